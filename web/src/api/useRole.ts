import { useQuery } from '@apollo/client';
import { useAuth } from '../auth/AuthProvider';
import { OPS } from './operations';
import type { Role } from './types';

/**
 * The signed-in user's role from the API (`Viewer`: `me.role`; one request, then Apollo's
 * cache): undefined while signed out or not yet known. The pages it chooses are a convenience —
 * the API itself refuses a manager's operations to anyone else (FORBIDDEN).
 */
export function useRole(): Role | undefined {
  const { state } = useAuth();
  const signedIn = state.status === 'signedIn';
  const { data } = useQuery(OPS.Viewer, { skip: !signedIn });
  return signedIn ? data?.me?.role : undefined;
}
