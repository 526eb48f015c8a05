import { parseRulesArgs, type RulesCommand, UsageError } from './args';

describe('parseRulesArgs', () => {
  it.each<[string[], RulesCommand]>([
    [['check', '-f', 'a.yaml'], { command: 'check', files: ['a.yaml'] }],
    [
      ['check', '-f', 'a.yaml', '--file', 'b.yaml', '-fc.yaml'],
      { command: 'check', files: ['a.yaml', 'b.yaml', 'c.yaml'] },
    ],
    [['check', '--file=a.yaml'], { command: 'check', files: ['a.yaml'] }],
    [['-f', 'a.yaml', 'diff'], { command: 'diff', files: ['a.yaml'], prune: false }],
    [['diff', '-f', 'a.yaml', '--prune'], { command: 'diff', files: ['a.yaml'], prune: true }],
    [['apply', '-f', 'a.yaml'], { command: 'apply', files: ['a.yaml'], prune: false, yes: false }],
    [['apply', '-f', 'a.yaml', '--prune', '--yes'], { command: 'apply', files: ['a.yaml'], prune: true, yes: true }],
    [['apply', '-y', '-f', 'a.yaml'], { command: 'apply', files: ['a.yaml'], prune: false, yes: true }],
    [['--help'], { command: 'help' }],
    [['apply', '-h'], { command: 'help' }],
  ])('%p → %p', (argv, expected) => {
    expect(parseRulesArgs(argv)).toEqual(expected);
  });

  it.each([
    [[], 'missing command'],
    [['lint', '-f', 'a.yaml'], 'unknown command "lint"'],
    [['check'], 'check needs at least one -f <file>'],
    [['check', '-f'], "'-f, --file <value>' argument missing"],
    [['check', 'a.yaml'], 'unexpected argument "a.yaml"'],
    [['check', '-f', 'a.yaml', '--prune'], '--prune is for diff and apply'],
    [['diff', '-f', 'a.yaml', '--yes'], '--yes is for apply'],
    [['apply', '-f', 'a.yaml', '--force'], "Unknown option '--force'"],
  ])('%p is a usage error: %p', (argv, message) => {
    expect(() => parseRulesArgs(argv)).toThrow(UsageError);
    expect(() => parseRulesArgs(argv)).toThrow(message);
  });
});
