// The package's version, written into saved models (generatedBy); test/saving.test.ts keeps it equal to package.json's.
export const VERSION = '0.1.0';
