// The test page renders no code editor; @grafana/ui imports monaco-editor eagerly, and
// bundling the real one would add megabytes and web workers to every build.
export const editor = {};
export const languages = {};
export const Uri = {};
export default {};
