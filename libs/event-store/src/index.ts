export * from './event-store';
export * from './projection-runner';
export * from './command-handler';
export * from './event-feed';
export * from './last-events';
