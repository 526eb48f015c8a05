export * from './config';
export * from './lease';
export * from './infra';
export * from './platform.module';
export * from './bootstrap';
export * from './projections';
export * from './leased-activation';
export * from './security-violations';
