export interface BudgetResult {
  budgetBytes: number;
  gzipBytes: number;
  ok: boolean;
  files: { file: string; bytes: number; gzipBytes: number }[];
}
export const DEFAULT_BUDGET_BYTES: number;
export function initialScripts(html: string): string[];
export function measure(dist: string, budgetBytes?: number): BudgetResult;
