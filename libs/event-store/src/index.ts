export * from './event-store';
export * from './projection-runner';
