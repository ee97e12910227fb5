// Stands in for the `cross-fetch` module when the bench stubs fetch: in Node,
// @cognite/sdk-core takes fetch from cross-fetch (node-fetch), never from
// globalThis, so without this the sdk could not be measured with the same stub.
export default (...args) => globalThis.fetch(...args);
export const Response = globalThis.Response;
export const Headers = globalThis.Headers;
export const Request = globalThis.Request;
export const fetch = (...args) => globalThis.fetch(...args);
