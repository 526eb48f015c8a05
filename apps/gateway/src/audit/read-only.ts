import { SetMetadata } from '@nestjs/common';

export const READ_ONLY_METADATA = 'vigil:read-only';

/** A POST that only reads (a query too long for a URL): not a change, so not audited. */
export const ReadOnly = () => SetMetadata(READ_ONLY_METADATA, true);

/** The methods that change something, unless the route is `@ReadOnly()`. */
export const CHANGING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
