/**
 * i18next with react-i18next: Korean (default) and English. The language is the one chosen in
 * the header (kept in localStorage), else the browser's (i18next-browser-languagedetector).
 * `<html lang>` follows it, so screen readers pronounce the page in the right language.
 */
import i18n from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { ko } from './ko';

/** Languages offered, with their own names. */
export const LANGUAGES = [
  { code: 'ko', name: '한국어' },
  { code: 'en', name: 'English' },
] as const;

void i18n
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources: { ko: { translation: ko }, en: { translation: en } },
    fallbackLng: 'ko',
    supportedLngs: LANGUAGES.map((l) => l.code),
    nonExplicitSupportedLngs: true,
    interpolation: { escapeValue: false },
    detection: { order: ['localStorage', 'navigator'], caches: ['localStorage'], lookupLocalStorage: 'ebook.language' },
  });

const setLang = (lng: string) => document.documentElement.setAttribute('lang', lng.slice(0, 2));
i18n.on('languageChanged', setLang);
if (i18n.resolvedLanguage) setLang(i18n.resolvedLanguage);

export { i18n };
