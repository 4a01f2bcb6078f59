// Plain CSS imports are handled by Next.js; TypeScript 6 checks side-effect imports, so declare them.
declare module "*.css";
