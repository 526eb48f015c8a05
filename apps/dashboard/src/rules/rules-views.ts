/** The rules views, in a chunk of their own (rules-lazy.tsx loads it when a rules page is first shown). */
export { RuleFormView } from './rule-form';
export { RulesView } from './rules-view';
