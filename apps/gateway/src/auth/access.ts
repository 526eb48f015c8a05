import { SetMetadata } from '@nestjs/common';
import type { Role } from '@vigil/contracts';

/** What a route needs: a role (or more), or nothing at all (`public`). */
export type AccessLevel = Role | 'public';

export const ACCESS_METADATA = 'vigil:access';

/** The least role a route needs; every route declares one, or `@Public()`. */
export const Access = (role: Role) => SetMetadata(ACCESS_METADATA, role);

/** Anyone, authenticated or not: health, metrics, login and refresh only. */
export const Public = () => SetMetadata(ACCESS_METADATA, 'public' satisfies AccessLevel);
