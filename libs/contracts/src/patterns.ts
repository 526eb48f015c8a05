/**
 * The name patterns of the contracts, written once: the schemas here and the hand-written
 * fast paths and parsers in the services all test these.
 */

/** A subject token: letters, digits, `_` and `-` (never empty, never `.`, `*`, `>` or whitespace). */
export const SUBJECT_TOKEN_PATTERN = /^[A-Za-z0-9_-]+$/;

/** A node id: a subject token of at most 128 characters (the NodeId schema's rule in one test). */
export const NODE_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

const METRIC_NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';

/** A Prometheus metric name, e.g. `node_cpu_usage_percent`. */
export const METRIC_NAME_PATTERN = new RegExp(`^${METRIC_NAME}$`);

/** A metric name at the start of a text, as a PromQL lexer reads an identifier. */
export const LEADING_METRIC_NAME_PATTERN = new RegExp(`^${METRIC_NAME}`);

/** A Prometheus label name, e.g. `mount`. */
export const LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
