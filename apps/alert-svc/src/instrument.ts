import { startTracing } from '@vigil/telemetry';

// Loaded before anything else so the http and pg modules are instrumented when first required.
startTracing({ serviceName: 'alert-svc' });
