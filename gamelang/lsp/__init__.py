"""`gamelang lsp`: a language server for .game files (docs/editors.md).

:mod:`gamelang.lsp.analysis` is what the server knows (diagnostics from the compiler, declared
names, words at positions), free of any LSP library; :mod:`gamelang.lsp.server` speaks the
protocol with pygls (the ``lsp`` extra).
"""
