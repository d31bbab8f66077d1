"""Training backends on game episodes (SFT, DPO, KTO, online GRPO with TRL, and search).

They are built on the environment API of gamelang.runtime.episode; none is implemented yet.
"""
