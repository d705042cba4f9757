import { lazy, Suspense, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink, Route, Routes } from 'react-router';
import { useAuth } from './auth/AuthProvider';
import { LANGUAGES } from './i18n';
import { Catalog } from './pages/Catalog';
import { Holds } from './pages/Holds';
import { Notifications } from './pages/Notifications';
import { Rentals } from './pages/Rentals';
import { BookRentals } from './pages/manager/BookRentals';
import { DueLoans } from './pages/manager/DueLoans';
import { RegisterBook } from './pages/manager/RegisterBook';
import { useRole } from './api/useRole';

/** The reader page, with epub.js: its own chunk, loaded when a book is opened (the main bundle does not carry epub.js). */
const Reader = lazy(() => import('./pages/Reader'));

/**
 * The app's frame: skip link, header (navigation, language, sign-in state), the page. A
 * MANAGER's navigation has the catalog and the manager pages (register a book; a book's rentals
 * from its catalog card); a customer's has their rentals, holds and notifications.
 */
export function App() {
  const { t, i18n } = useTranslation();
  const { state, session } = useAuth();
  const role = useRole();
  return (
    <>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="top">
        <p className="brand">{t('app.title')}</p>
        <nav aria-label={t('app.nav')}>
          <ul>
            <li>
              <NavLink to="/" end>
                {t('nav.catalog')}
              </NavLink>
            </li>
            {role === 'MANAGER' ? (
              <>
                <li>
                  <NavLink to="/manage" end>
                    {t('nav.registerBook')}
                  </NavLink>
                </li>
                <li>
                  <NavLink to="/manage/due">{t('nav.dueLoans')}</NavLink>
                </li>
              </>
            ) : (
              <>
                <li>
                  <NavLink to="/rentals">{t('nav.rentals')}</NavLink>
                </li>
                <li>
                  <NavLink to="/holds">{t('nav.holds')}</NavLink>
                </li>
                <li>
                  <NavLink to="/notifications">{t('nav.notifications')}</NavLink>
                </li>
              </>
            )}
          </ul>
        </nav>
        <div className="tools">
          <label>
            <span className="visually-hidden">{t('app.language')}</span>
            <select value={i18n.resolvedLanguage} onChange={(e) => void i18n.changeLanguage(e.target.value)}>
              {LANGUAGES.map((l) => (
                <option key={l.code} value={l.code} lang={l.code}>
                  {l.name}
                </option>
              ))}
            </select>
          </label>
          {state.status === 'signedIn' ? (
            <>
              <span className="user">{t('auth.signedInAs', { name: state.user.name ?? '' })}</span>
              <button type="button" className="secondary" onClick={() => void session.signOut()}>
                {t('auth.signOut')}
              </button>
            </>
          ) : state.status === 'signedOut' ? (
            <button type="button" onClick={() => void session.signIn()}>
              {t('auth.signIn')}
            </button>
          ) : null}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {state.status === 'signedOut' && state.error && (
          <p className="error" role="alert">
            {t('auth.failed', { error: state.error })}
          </p>
        )}
        {state.status === 'loading' ? (
          <p aria-live="polite">{t('auth.loading')}</p>
        ) : (
          <Routes>
            <Route
              path="/"
              element={
                <>
                  {state.status === 'signedOut' && <p className="welcome">{t('auth.welcome')}</p>}
                  <Catalog />
                </>
              }
            />
            <Route path="/rentals" element={<SignedIn>{<Rentals />}</SignedIn>} />
            <Route
              path="/read/:rentalId"
              element={
                <SignedIn>
                  <Suspense fallback={<p aria-live="polite">{t('reader.loading')}</p>}>
                    <Reader />
                  </Suspense>
                </SignedIn>
              }
            />
            <Route path="/holds" element={<SignedIn>{<Holds />}</SignedIn>} />
            <Route path="/notifications" element={<SignedIn>{<Notifications />}</SignedIn>} />
            <Route path="/manage" element={<ManagerOnly>{<RegisterBook />}</ManagerOnly>} />
            <Route path="/manage/due" element={<ManagerOnly>{<DueLoans />}</ManagerOnly>} />
            <Route path="/manage/books/:bookId" element={<ManagerOnly>{<BookRentals />}</ManagerOnly>} />
            <Route path="*" element={<Catalog />} />
          </Routes>
        )}
      </main>
    </>
  );
}

/** Shows `children` to a signed-in user, else a sign-in prompt (the login page returns here). */
function SignedIn({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { state, session } = useAuth();
  if (state.status === 'signedIn') return children;
  return (
    <section>
      <p>{t('auth.required')}</p>
      <button type="button" onClick={() => void session.signIn()}>
        {t('auth.signIn')}
      </button>
    </section>
  );
}

/** Shows `children` to a signed-in MANAGER; a customer is told the page is for managers. */
function ManagerOnly({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const role = useRole();
  if (role === 'MANAGER') return <SignedIn>{children}</SignedIn>;
  return <SignedIn>{role ? <p role="alert">{t('manager.only')}</p> : <p aria-live="polite">{t('auth.loading')}</p>}</SignedIn>;
}
