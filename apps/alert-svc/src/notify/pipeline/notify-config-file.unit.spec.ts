import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@vigil/contracts';
import { loadNotifyConfig, NO_NOTIFICATIONS } from './notify-config-file';

const dir = mkdtempSync(join(tmpdir(), 'vigil-notify-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const SECRET = 'wecom-key-3f9a2c71-do-not-print';

describe('loadNotifyConfig', () => {
  it('sends nothing without a file', () => {
    expect(loadNotifyConfig(undefined)).toBe(NO_NOTIFICATIONS);
    expect(NO_NOTIFICATIONS.route).toBeUndefined();
  });

  it('reads YAML with its defaults', () => {
    const config = loadNotifyConfig(
      file('ok.yaml', 'receivers:\n  ops: { type: wecom, key: { env: WECOM_KEY } }\nroute: { receiver: ops }\n'),
    );
    expect(config.receivers.ops).toMatchObject({ type: 'wecom', sendResolved: true });
    expect(config.route).toMatchObject({ receiver: 'ops', matchers: [], continue: false });
  });

  it('names the file and the field, and never quotes a secret given in the file', () => {
    const path = file(
      'bad.yaml',
      `receivers:\n  ops: { type: wecom, key: ${SECRET}, url: not-a-url }\nroute: { receiver: nobody }\n`,
    );
    let error: unknown;
    try {
      loadNotifyConfig(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const message = (error as Error).message;
    expect(message).toContain(path);
    expect(message).toMatch(/receivers\.ops\.url/);
    expect(message).not.toContain(SECRET);
  });

  it('refuses a route or inhibit regex that RE2 does not have, naming the field', () => {
    const route = file(
      'route-regex.yaml',
      [
        'receivers: { ops: { type: webhook, url: "http://127.0.0.1:9/x" } }',
        'route:',
        '  receiver: ops',
        '  routes: [{ matchers: [{ label: node, op: "=~", value: "(?<!db)-1" }] }]',
      ].join('\n'),
    );
    expect(() => loadNotifyConfig(route)).toThrow(
      /route\.routes\.0\.matchers\.0\.value: invalid regular expression: lookbehind \(\?<!…\) is not supported/,
    );
    const inhibit = file(
      'inhibit-regex.yaml',
      [
        'receivers: { ops: { type: webhook, url: "http://127.0.0.1:9/x" } }',
        'route: { receiver: ops }',
        'inhibitRules: [{ source: [{ label: a, op: "=~", value: "(x)\\\\1" }], target: { severity: warning } }]',
      ].join('\n'),
    );
    expect(() => loadNotifyConfig(inhibit)).toThrow(
      /inhibitRules\.0\.source\.0\.value: invalid regular expression: backreferences/,
    );
    // The same patterns without lookaround load, and (a+)+b is fine on RE2.
    const ok = file(
      'ok-regex.yaml',
      [
        'receivers: { ops: { type: webhook, url: "http://127.0.0.1:9/x" } }',
        'route: { receiver: ops, routes: [{ matchers: [{ label: path, op: "=~", value: "(a+)+b" }] }] }',
      ].join('\n'),
    );
    expect(loadNotifyConfig(ok).route?.routes[0].matchers).toEqual([{ label: 'path', op: '=~', value: '(a+)+b' }]);
  });

  it('says when the file cannot be read or is not YAML', () => {
    expect(() => loadNotifyConfig(join(dir, 'missing.yaml'))).toThrow(
      /cannot read the notification config .*missing\.yaml: ENOENT/,
    );
    expect(() => loadNotifyConfig(file('broken.yaml', 'route: [unclosed'))).toThrow(/is not YAML/);
  });
});
