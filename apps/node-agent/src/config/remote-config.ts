export interface RemoteConfig {
  start(nodeId: string): Promise<void>;
  stop(): Promise<void>;
}
