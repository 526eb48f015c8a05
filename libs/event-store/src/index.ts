export * from './event-store';
export * from './projection-runner';
export * from './command-handler';
