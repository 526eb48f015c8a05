/** The injection token of the service's typed configuration (`InjectConfig()`). */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
