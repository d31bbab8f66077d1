// The client side of the gamelang extension: starts `gamelang lsp` (setting gamelang.server.command)
// for .game files. Highlighting works without it: the grammar is in syntaxes/.
const vscode = require("vscode");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("gamelang").get("server.command") || [];
  if (!command.length) {
    return;
  }
  let lsp;
  try {
    lsp = require("vscode-languageclient/node");
  } catch (err) {
    vscode.window.showWarningMessage("gamelang: run `npm install` in the extension's folder for live diagnostics");
    return;
  }
  const server = { command: command[0], args: command.slice(1) };
  client = new lsp.LanguageClient(
    "gamelang",
    "gamelang language server",
    { run: server, debug: server },
    { documentSelector: [{ language: "gamelang" }] }
  );
  client.start();
  context.subscriptions.push({ dispose: () => client && client.stop() });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
