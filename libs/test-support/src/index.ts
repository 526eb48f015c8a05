export * from './env';
export * from './database';
export * from './nats';
export * from './wait';
export * from './process';
export * from './otlp-receiver';
export * from './decider-spec';
export * from './nats-server';
