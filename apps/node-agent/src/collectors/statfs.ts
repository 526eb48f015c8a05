/** The fields of statfs(2) the collector needs (Node's `fs.promises.statfs` answers them). */
export interface FsStats {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}
export type StatFs = (mountPoint: string) => Promise<FsStats>;
