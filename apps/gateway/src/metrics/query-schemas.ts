import { BucketStat, CrossAggregation, ValidationError, z } from '@vigil/contracts';
import { parseMatchers } from './promql';
import { promStep, promTime, restStep, restTime } from './time-params';

/**
 * The query strings of the metrics GET routes (REST and Prometheus-compatible) as zod schemas:
 * the routes validate with them (a 400 naming the parameter) and the OpenAPI document lists
 * them (`@ApiSchemas({ query })`). What they let through is then turned into the metrics
 * contract's request (rest-params.ts, prometheus.controller.ts), which metrics-svc validates
 * again. Unknown parameters are ignored, as before.
 */

/** The most values a repeated parameter takes, and the longest value. */
const MAX_VALUES = 100;
const MAX_TEXT = 4096;

const Text = z.string().max(MAX_TEXT);
/** A parameter given once; given twice it is refused (`expected string, received array`). */
const One = (description: string) => Text.describe(description);
/** A parameter that may be repeated (`?node=a&node=b`). */
const Many = (description: string) =>
  z
    .union([Text, z.array(Text).max(MAX_VALUES)])
    .optional()
    .describe(`${description} (repeatable)`);

/** A value one of the parsers accepts; its own message otherwise. */
const parsed = (schema: z.ZodString, parse: (text: string) => unknown) =>
  schema.superRefine((text, ctx) => {
    try {
      parse(text);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  });

const restTimeParam = (name: string, description: string) =>
  parsed(One(`${description}: now, now-<duration> (now-1h), RFC 3339 or Unix milliseconds`), (t) =>
    restTime(t, name, 0),
  );
const matchersParam = (description: string) =>
  z
    .union([Text, z.array(Text).max(MAX_VALUES)])
    .superRefine((value, ctx) => {
      for (const text of [value].flat())
        try {
          parseMatchers(text);
        } catch (e) {
          ctx.addIssue({ code: 'custom', message: (e as Error).message });
        }
    })
    .optional()
    .describe(`${description} (repeatable)`);

const selection = {
  match: matchersParam('PromQL label matchers on the series, e.g. cpu=~"0|1" (also as match[])'),
  node: Many('node ids; also comma-separated'),
  node_label: Many('a node label as name=value; every one must match'),
};
const Metric = One('the metric name').min(1).max(256);

export const RestRangeQuery = z.object({
  metric: Metric,
  ...selection,
  start: restTimeParam('start', 'the start'),
  end: restTimeParam('end', 'the end (exclusive); now if not given').optional(),
  step: parsed(One('between points: a duration (1m) or milliseconds'), restStep),
  stat: BucketStat.optional().describe('the statistic of each rollup bucket; avg if not given'),
  agg: CrossAggregation.optional().describe('aggregate across series into one per distinct value of `by`'),
  by: Many('the labels `agg` keeps; also comma-separated'),
});

export const RestTopKQuery = z.object({
  metric: Metric,
  ...selection,
  k: One('how many series; 10 if not given').regex(/^\d+$/, 'must be a whole number').optional(),
  stat: z.enum(['avg', 'max', 'min', 'last']).optional().describe('each series’ statistic over the range'),
  order: z.enum(['desc', 'asc']).optional(),
  start: restTimeParam('start', 'the start of the range; without it the latest values').optional(),
  end: restTimeParam('end', 'the end of the range (needs start); now if not given').optional(),
});

export const RestLatestQuery = z.object({ metric: Metric.optional(), ...selection });

const promTimeParam = (name: string, description: string) =>
  parsed(One(`${description}: Unix seconds or RFC 3339`), (t) => promTime(t, name));
const PromQuery = One('the PromQL expression (the subset Vigil answers)').min(1);

export const PromRangeQuery = z.object({
  query: PromQuery,
  start: promTimeParam('start', 'the start'),
  end: promTimeParam('end', 'the end (inclusive)'),
  step: parsed(One('between points: seconds or a duration (15s)'), promStep),
});

export const PromInstantQuery = z.object({
  query: PromQuery,
  time: promTimeParam('time', 'the evaluation time; now if not given').optional(),
});

/** `/labels` and `/label/<name>/values`: Prometheus' series selectors (start and end are accepted and not used). */
export const PromLabelsQuery = z.object({
  'match[]': z
    .union([Text, z.array(Text).max(MAX_VALUES)])
    .optional()
    .describe('series selectors whose metrics are looked at; every metric if not given (repeatable)'),
  start: promTimeParam('start', 'accepted, not used: labels are not kept per time').optional(),
  end: promTimeParam('end', 'accepted, not used').optional(),
});

/**
 * Validates a query string (Express' own, or a form's fields) with `schema`. Repeated parameters
 * may also come as `name[]` (`match[]`); they are folded into the name the schema documents.
 */
export function validQuery<S extends z.ZodObject>(schema: S, q: Record<string, unknown>): z.infer<S> {
  // A JSON body (the Prometheus POST routes take one as well as a form) may send numbers.
  const folded: Record<string, unknown> = Object.fromEntries(
    Object.entries(q).map(([k, v]) => [k, typeof v === 'number' && Number.isFinite(v) ? String(v) : v]),
  );
  for (const name of Object.keys(schema.shape)) {
    const other = name.endsWith('[]') ? name.slice(0, -2) : `${name}[]`;
    if (!(other in folded)) continue;
    const values = [folded[name], folded[other]].flat().filter((v) => v !== undefined);
    delete folded[other];
    folded[name] = values.length === 1 ? values[0] : values;
  }
  const result = schema.safeParse(folded);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => {
    const name = String(issue.path[0] ?? '(query)');
    const given = folded[name];
    if (issue.code === 'invalid_type' && given === undefined) return `${name} is required`;
    if (issue.code === 'invalid_type' && Array.isArray(given)) return `${name} is given ${given.length} times`;
    // The time parsers' own messages may begin with the parameter's name already.
    return issue.message.startsWith(`${name}:`) ? issue.message : `${name}: ${issue.message}`;
  });
  throw new ValidationError(`invalid query: ${problems.join('; ')}`, result.error.issues);
}
