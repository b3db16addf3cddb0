/**
 * Attributes for every field a clinician types into (class names, descriptions): no spell checking, no autofill,
 * no autocorrect. Chromium fetches spelling and autofill data for such fields, and with its enhanced spell check a
 * typed clinical description could leave the machine.
 */
export const CLINICAL_TEXT_FIELD = {
  spellCheck: false,
  autoComplete: 'off',
  autoCorrect: 'off',
  autoCapitalize: 'off',
} as const;
