import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import type { AuthSession, AuthState } from './session';

const AuthContext = createContext<AuthSession | null>(null);

/** Makes the tab's {@link AuthSession} available to {@link useAuth}. */
export function AuthProvider({ session, children }: { session: AuthSession; children: ReactNode }) {
  return <AuthContext.Provider value={session}>{children}</AuthContext.Provider>;
}

/** The sign-in state (re-rendered on every change) and the session's actions. */
export function useAuth(): { state: AuthState; session: AuthSession } {
  const session = useContext(AuthContext);
  if (!session) throw new Error('useAuth outside AuthProvider');
  const state = useSyncExternalStore(
    (cb) => session.subscribe(cb),
    () => session.getState(),
  );
  return { state, session };
}
