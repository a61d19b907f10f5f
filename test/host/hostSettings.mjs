// The user settings both test runners give the VS Code host (written to <user-data-dir>/User/settings.json before
// it starts).
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Terminals the tests open run bash with HOME set to an empty folder, so the machine's ~/.bashrc (on CI and dev
 * boxes: pyenv init, whose `pyenv rehash` waits on a lock for a minute or more) does not run: a test terminal
 * starts in about a second. Shell integration is untouched: VS Code still starts bash with its own init script
 * (which would source ~/.bashrc, now empty), so `terminal.shellIntegration` becomes available as for a user.
 * `terminal.integrated.env.linux` applies to every terminal, including those an extension creates with a
 * shellPath (an env the extension passes still wins).
 * @param {string} userDataDir the host's --user-data-dir
 * @param {string} home the empty folder terminals get as HOME
 */
export function writeHostUserSettings(userDataDir, home) {
  fs.mkdirSync(home, { recursive: true });
  const settings = {
    'terminal.integrated.env.linux': { HOME: home },
    'terminal.integrated.shellIntegration.enabled': true,
  };
  const file = path.join(userDataDir, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(settings, null, 2) + '\n');
}
