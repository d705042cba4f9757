/** Entry point: loads `/config.json`, starts the sign-in session (completing a callback), renders the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApolloProvider } from '@apollo/client';
import { BrowserRouter } from 'react-router';
import './i18n';
import './styles.css';
import { App } from './App';
import { AuthProvider } from './auth/AuthProvider';
import { AuthSession } from './auth/session';
import { createApiClient } from './api/client';
import { loadConfig } from './config';

const root = createRoot(document.getElementById('root')!);
try {
  const session = new AuthSession(await loadConfig());
  const client = createApiClient(session);
  // Before the router reads the URL: a callback is completed and replaced by the page the user started from.
  await session.start();
  root.render(
    <StrictMode>
      <AuthProvider session={session}>
        <ApolloProvider client={client}>
          <BrowserRouter>
            <App />
          </BrowserRouter>
        </ApolloProvider>
      </AuthProvider>
    </StrictMode>,
  );
} catch (err) {
  root.render(<p role="alert">{(err as Error).message}</p>);
}
