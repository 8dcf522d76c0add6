// Stands in for react-devtools-core in the bundle (see build.mjs): Ink only
// connects to the devtools when started with DEV=true.
export default { initialize() {}, connectToDevTools() {} };
