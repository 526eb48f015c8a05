import { ApplyRulesRequest, UpsertRuleRequest } from './alerting/rule.commands';
import { CreateSilenceRequest, SilenceAlertRequest } from './alerting/silence.schema';
import { LabelValuesRequest, RangeQueryRequest } from './metrics/metrics.queries';
import { REQUEST_LIMITS } from './request-limits';
import { validate } from './validation';

const entries = (n: number, value = 'v') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, value]));
const rule = (over: Record<string, unknown> = {}) => ({
  id: 'r',
  name: 'R',
  severity: 'warning',
  kind: 'threshold',
  metric: 'm',
  op: '>',
  value: 1,
  ...over,
});
const silence = (over: Record<string, unknown> = {}) => ({
  matchers: { alertname: 'X' },
  duration: '1h',
  comment: 'why',
  actor: 'a',
  ...over,
});
const range = (over: Record<string, unknown> = {}) => ({ metric: 'm', start: 0, end: 60_000, step: 1000, ...over });
const upsert = (over: Record<string, unknown>) => validate(UpsertRuleRequest, { rule: rule(over), actor: 'a' }, 'rule');

describe('REQUEST_LIMITS: each request field refused over its limit, naming the field and the limit', () => {
  const longName = 'a'.repeat(REQUEST_LIMITS.label_name_bytes + 1);
  const atName = 'a'.repeat(REQUEST_LIMITS.label_name_bytes);

  it('label names in matchers, selectors, `by` and label values requests', () => {
    expect(() => validate(LabelValuesRequest, { label: longName }, 'q')).toThrow(
      /label: label name over the limit label_name_bytes \(128\)/,
    );
    expect(validate(LabelValuesRequest, { label: atName }, 'q').label).toBe(atName);
    expect(() =>
      validate(RangeQueryRequest, range({ matchers: [{ label: longName, op: '=', value: 'x' }] }), 'q'),
    ).toThrow(/matchers\.0\.label: label name over the limit label_name_bytes/);
    expect(() => validate(RangeQueryRequest, range({ aggregate: { op: 'sum', by: [longName] } }), 'q')).toThrow(
      /aggregate\.by\.0: label name over the limit label_name_bytes/,
    );
    expect(() =>
      validate(RangeQueryRequest, range({ nodes: { labels: entries(REQUEST_LIMITS.selector_labels + 1) } }), 'q'),
    ).toThrow(/nodes\.labels: number of entries over the limit selector_labels \(32\)/);
    expect(
      validate(RangeQueryRequest, range({ nodes: { labels: entries(REQUEST_LIMITS.selector_labels) } }), 'q').nodes,
    ).toBeDefined();
  });

  it("a rule's labels, annotations and `by`", () => {
    expect(() => upsert({ labels: entries(REQUEST_LIMITS.rule_labels + 1) })).toThrow(
      /rule\.labels: number of entries over the limit rule_labels \(64\)/,
    );
    expect(() => upsert({ labels: { team: 'x'.repeat(REQUEST_LIMITS.label_value_chars + 1) } })).toThrow(
      /rule\.labels\.team: text over the limit label_value_chars/,
    );
    expect(() => upsert({ annotations: entries(REQUEST_LIMITS.rule_annotations + 1) })).toThrow(
      /rule\.annotations: number of entries over the limit rule_annotations \(64\)/,
    );
    expect(() => upsert({ annotations: { summary: 'x'.repeat(REQUEST_LIMITS.annotation_value_chars + 1) } })).toThrow(
      /rule\.annotations\.summary: text over the limit annotation_value_chars \(4096\)/,
    );
    expect(() => upsert({ annotations: { [longName]: 'x' } })).toThrow(/rule\.annotations\.a{129}: Invalid key/);
    expect(() =>
      validate(
        UpsertRuleRequest,
        {
          rule: { ...rule({ kind: 'absent', for: '5m', by: [longName] }), op: undefined, value: undefined },
          actor: 'a',
        },
        'rule',
      ),
    ).toThrow(/label_name_bytes/);
    const ok = upsert({
      labels: entries(REQUEST_LIMITS.rule_labels),
      annotations: entries(REQUEST_LIMITS.rule_annotations, 'x'.repeat(REQUEST_LIMITS.annotation_value_chars)),
    });
    expect(Object.keys(ok.rule.annotations)).toHaveLength(REQUEST_LIMITS.rule_annotations);
  });

  it('the rules of one apply', () => {
    const rules = (n: number) => Array.from({ length: n }, (_, i) => rule({ id: `r${i}` }));
    expect(() =>
      validate(ApplyRulesRequest, { rules: rules(REQUEST_LIMITS.rules_per_apply + 1), actor: 'a' }, 'apply'),
    ).toThrow(/rules: number of rules over the limit rules_per_apply \(1000\)/);
    expect(
      validate(ApplyRulesRequest, { rules: rules(REQUEST_LIMITS.rules_per_apply), actor: 'a' }, 'apply').rules,
    ).toHaveLength(REQUEST_LIMITS.rules_per_apply);
  });

  it('durations as text: their length and their value', () => {
    expect(() => upsert({ keepFiringFor: '1'.repeat(40) + 's' })).toThrow(
      /rule\.keepFiringFor: duration text over the limit duration_text_chars \(32\)/,
    );
    expect(() => upsert({ keepFiringFor: '366d' })).toThrow(
      /rule\.keepFiringFor: duration of .* over the limit duration_max_ms/,
    );
    expect(upsert({ keepFiringFor: '1y' }).rule.keepFiringFor).toBe(REQUEST_LIMITS.duration_max_ms);
    expect(() => validate(CreateSilenceRequest, silence({ duration: '53w' }), 's')).toThrow(
      /duration: duration of .* over the limit duration_max_ms/,
    );
    expect(() =>
      validate(
        SilenceAlertRequest,
        { fingerprint: '0123456789abcdef', duration: 2 ** 50, comment: 'c', actor: 'a' },
        's',
      ),
    ).toThrow(/duration: duration of .* over the limit duration_max_ms/);
    expect(validate(CreateSilenceRequest, silence(), 's').duration).toBe(3_600_000);
  });

  it("a silence's matchers given as a map", () => {
    expect(() =>
      validate(CreateSilenceRequest, silence({ matchers: entries(REQUEST_LIMITS.matchers + 1) }), 's'),
    ).toThrow(/matchers: number of entries over the limit matchers \(20\)/);
    expect(() => validate(CreateSilenceRequest, silence({ matchers: { [longName]: 'x' } }), 's')).toThrow(
      /matchers: Invalid input/,
    );
    expect(
      validate(CreateSilenceRequest, silence({ matchers: entries(REQUEST_LIMITS.matchers) }), 's').matchers,
    ).toHaveLength(REQUEST_LIMITS.matchers);
  });
});
