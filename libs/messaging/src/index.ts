export * from './connection';
export * from './dlq';
export * from './dlq-operations';
export * from './publish';
export * from './worker';
export * from './rpc';
export * from './reconnect';
export * from './agent-publish';
