/** One Jest run over every project. Tests are named by level: *.unit.spec.ts, *.int.spec.ts, *.e2e.spec.ts. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'commonjs' },
  },
];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/tools', '<rootDir>/e2e'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.(t|j|mj)s$': swc },
  // NestJS 12 and openid-client (with oauth4webapi and jose) ship ES modules; Jest's own module loader needs them as CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|uid|@nats-io|openid-client|oauth4webapi|jose)/)'],
  moduleNameMapper: { '^@vigil/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts' },
  modulePathIgnorePatterns: ['<rootDir>/apps/[^/]+/dist', '<rootDir>/libs/[^/]+/dist'],
};
