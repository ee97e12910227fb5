// The public TypeScript declarations of cdf-workflow-retry, written by hand.
// scripts/build.mjs merges this file with what wasm-bindgen generates (scripts/types.mjs):
// a name declared here replaces the generated declaration of the same name, and a function
// declared here that the build does not export is left out of pkg/index.d.ts.
// Checked by tests/consumers/types.test.mjs (tsc --strict, exactOptionalPropertyTypes).

// ---- Values -----------------------------------------------------------------------------

/**
 * The status of a workflow execution. The API may add values: an unknown status is passed
 * through unchanged at runtime, so compare with these and keep a default branch.
 */
export type WorkflowStatus = "RUNNING" | "COMPLETED" | "FAILED" | "TIMED_OUT" | "TERMINATED";

/** The status of one task of an execution. Unknown values are passed through unchanged at runtime. */
export type TaskStatus =
  | "IN_PROGRESS"
  | "CANCELED"
  | "FAILED"
  | "FAILED_WITH_TERMINAL_ERROR"
  | "COMPLETED"
  | "COMPLETED_WITH_ERRORS"
  | "SCHEDULED"
  | "TIMED_OUT"
  | "SKIPPED";

/** The request an error or a retry event is about. */
export type CdfOperation =
  | "createSession"
  | "retryExecution"
  | "listExecutions"
  | "getExecution"
  | "getToken"
  | "cancelExecution"
  | "listTriggerRuns";

/** What went wrong: the discriminant of {@link CdfErrorUnion}. */
export type CdfErrorKind = "invalid_input" | "api" | "network" | "timeout" | "aborted" | "invalid_response";

// ---- Errors -----------------------------------------------------------------------------

/**
 * Every failure of this package: a real `Error` (with a stack) named "CdfError". The package
 * creates them; `e instanceof CdfError` works within one realm, {@link isCdfError} across
 * realms and copies of the package, and narrows to {@link CdfErrorUnion}, where `kind` tells
 * which fields are set. Messages never contain the token, the client secret or a nonce.
 */
export declare class CdfError extends Error {
  private constructor();
  name: "CdfError";
  /** What went wrong. */
  kind: CdfErrorKind;
  /** Which request failed. Absent for "invalid_input" and for a .wasm that failed to load. */
  operation?: CdfOperation;
  /** The HTTP status CDF (or the identity provider) answered with, 100 to 999 (any status the runtime delivers): set for kind "api". */
  status?: number;
  /** `error.code` of a CDF error body (a number), or the OAuth `error` of a token answer (e.g. "invalid_client"). */
  code?: number | string;
  /** `error.missing` of a CDF error body: the items CDF did not find. */
  missing?: Record<string, unknown>[];
  /** `error.duplicated` of a CDF error body. */
  duplicated?: Record<string, unknown>[];
  /** The other keys of a CDF error body's `error` object. */
  extra?: Record<string, unknown>;
  /** The `x-request-id` header of the answer, when there was one (quote it to Cognite support). */
  requestId?: string;
  /** The option at fault ("invalid_input", e.g. "executionId") or the answer field ("invalid_response", e.g. "items[3].status"). */
  field?: string;
  /** Whether the same call may succeed later (429, 5xx, network failures, timeouts, a .wasm that failed to load). */
  retryable: boolean;
  /** How many HTTP requests this call sent, session and token requests included: 0 or more. */
  attempts: number;
  /** The underlying JavaScript error (or abort reason), kept as thrown, where there was one. */
  cause?: unknown;
}

/** An option was refused before anything was sent: `field` names it. */
export interface CdfInvalidInputError extends CdfError {
  kind: "invalid_input";
  /** The option at fault, e.g. "executionId", "clientCredentials.clientId", or "options" for a non-object. */
  field: string;
  /** Never set: nothing was sent. */
  operation?: never;
}

/** CDF (or the identity provider) answered with an error status. */
export interface CdfApiError extends CdfError {
  kind: "api";
  /** The HTTP status, 100 to 999 (e.g. 400, 401, 403, 404, 429, 503; Node delivers 600 to 999 as they are). */
  status: number;
  operation: CdfOperation;
}

/** The request did not get an answer: DNS, connection refused or reset, CORS, or the .wasm failed to load (then `operation` is absent). */
export interface CdfNetworkError extends CdfError {
  kind: "network";
}

/** The call's deadline (`timeoutMs`) passed. */
export interface CdfTimeoutError extends CdfError {
  kind: "timeout";
}

/** The caller's `signal` aborted the call. */
export interface CdfAbortedError extends CdfError {
  kind: "aborted";
}

/** A 2xx answer was not what the API documents: `field` names the part at fault ("body" for an unreadable or non-JSON body). */
export interface CdfInvalidResponseError extends CdfError {
  kind: "invalid_response";
  /** The answer field at fault, e.g. "id", "items[3].status", "executedTasks[2].status" or "body". */
  field: string;
  operation: CdfOperation;
}

/** A {@link CdfError}, discriminated by `kind`: what {@link isCdfError} narrows to. */
export type CdfErrorUnion =
  | CdfInvalidInputError
  | CdfApiError
  | CdfNetworkError
  | CdfTimeoutError
  | CdfAbortedError
  | CdfInvalidResponseError;

/**
 * Whether `e` is a {@link CdfError} of this package (from any realm or copy of it). Never
 * throws, and never loads the WebAssembly module.
 */
export declare function isCdfError(e: unknown): e is CdfErrorUnion;

// ---- Options shared by every call --------------------------------------------------------

/** What a bearer-token function is called with. */
export interface TokenContext {
  /** `true` only when asked again after CDF answered 401 to the token it gave: return a fresh one. */
  forceRefresh: boolean;
}

/** What {@link clientCredentialsToken} returns: resolves to a bearer token, cached until shortly before it expires. */
export type TokenProvider = (context?: { forceRefresh?: boolean }) => Promise<string>;

/** Where CDF is: exactly one of `cluster` and `baseUrl` (giving both, or neither, is a type error). */
export type CdfEndpoint =
  | {
      /**
       * The cluster name, e.g. "westeurope-1": the host is https://{cluster}.cognitedata.com.
       * One or more dot-separated DNS labels (lower-case letters, digits, inner hyphens, 1 to 63
       * characters each), without ".cognitedata.com".
       */
      cluster: string;
      /** Not with `cluster`. */
      baseUrl?: undefined;
    }
  | {
      /**
       * A full origin, e.g. "https://api.cognitedata.com": https (http only for localhost,
       * 127.0.0.0/8 and [::1]), no user info, query, fragment or path beyond "/".
       */
      baseUrl: string;
      /** Not with `baseUrl`. */
      cluster?: undefined;
    };

/**
 * The connection options every function takes. Unknown keys are rejected at runtime
 * (`invalid_input`); a key set to `undefined` counts as absent.
 */
export type ConnectionOptions = CdfEndpoint & {
  /** The CDF project's URL name: 3 to 32 letters, digits and hyphens, with a letter, no leading or trailing hyphen. */
  project: string;
  /**
   * The bearer token (without "Bearer "): a non-empty string of visible ASCII without spaces,
   * or a function returning one (sync or async), e.g. from {@link clientCredentialsToken}.
   * The function is called with `{ forceRefresh }`; a `CdfError` it throws passes through
   * unchanged, anything else thrown is `invalid_input` for `token`.
   */
  token: string | ((context: TokenContext) => string | Promise<string>);
  /** Sent as the x-cdp-app header: 1 to 255 visible ASCII characters or spaces. @default no header */
  appName?: string | undefined;
  /** Cancels the call at once, waits and requests in flight included: it rejects with kind "aborted". */
  signal?: AbortSignal | undefined;
  /**
   * The deadline for the whole call, retries and waits included, in milliseconds: an integer
   * from 1 to 2147483647. Past it the call rejects with kind "timeout".
   * @default 60000 (900000 for waitForExecution)
   */
  timeoutMs?: number | undefined;
  /**
   * Extra attempts after the first, per request: an integer from 0 to 10; 0 disables retries.
   * Which failures are retried is in the README ("Retries").
   * @default 3
   */
  maxRetries?: number | undefined;
  /** Called before each wait between attempts (see {@link RetryEvent}); what it throws is ignored. @default none */
  onRetry?: ((event: RetryEvent) => void) | undefined;
};

/** What `onRetry` is told before each wait. */
export interface RetryEvent {
  /** The request that failed and will be sent again. */
  operation: CdfOperation;
  /** The number of the failed request among this call's requests, from 1. */
  attempt: number;
  /** How long the module waits before the next request, in milliseconds (Retry-After, or full jitter up to 30000). */
  waitMs: number;
  /** The kind of the failure: "api" (429, 502, 503, 504, or cdf-is-auto-retryable) or "network". */
  kind: "api" | "network";
  /** The HTTP status, when there was an answer. */
  status?: number;
  /** The x-request-id header of the failed answer, when there was one. */
  requestId?: string;
  /** Whether the next request first creates a new session (the failed nonce may have been bound). */
  newSession: boolean;
}

/** Client credentials for creating the session, instead of token exchange. */
export interface ClientCredentials {
  /** The client id: a non-empty string. */
  clientId: string;
  /** The client secret: a non-empty string, never shown in a message. */
  clientSecret: string;
}

// ---- retryExecution ----------------------------------------------------------------------

/** Options of {@link retryExecution}: the {@link ConnectionOptions} and these. */
export type RetryExecutionOptions = ConnectionOptions & {
  /** The execution to retry: a hyphenated UUID, 36 characters, any case (sent lower-case). */
  executionId: string;
  /**
   * A session nonce: a non-empty string of visible ASCII, at most 4096 characters. Not with
   * `clientCredentials`.
   * @default none: the module creates a session (token exchange, or `clientCredentials`)
   */
  nonce?: string | undefined;
  /** Create the session with client credentials instead of token exchange. Not with `nonce`. @default none */
  clientCredentials?: ClientCredentials | undefined;
};

/** A workflow execution as CDF returns it. Optional fields are absent when the API omits them. */
export interface WorkflowExecution {
  /** The execution id: a lower-case UUID. */
  id: string;
  /** The workflow's external id. */
  workflowExternalId: string;
  /** The workflow version, when the API gives it. */
  version?: string;
  /** The status (unknown values passed through). */
  status: WorkflowStatus;
  /** The engine's execution id: a UUID. */
  engineExecutionId: string;
  /** When the execution was created, in milliseconds since the Unix epoch (0 to 2^53 - 1). */
  createdTime: number;
  /** When it started, in milliseconds since the Unix epoch. */
  startTime?: number;
  /** When it ended, in milliseconds since the Unix epoch. */
  endTime?: number;
  /** Why it did not complete, as CDF words it. */
  reasonForIncompletion?: string;
  /** The execution's metadata: a plain object of strings (never a Map). */
  metadata: Record<string, string>;
}

/**
 * Retries a FAILED, TIMED_OUT or TERMINATED workflow execution: checks every option before
 * anything is sent, creates a session nonce unless one is given, retries what is safe to
 * retry, and resolves to the execution. Rejects with a {@link CdfError}. Loads the
 * WebAssembly module on the first call of any function of the package.
 */
export declare function retryExecution(options: RetryExecutionOptions): Promise<WorkflowExecution>;

// ---- listExecutions ----------------------------------------------------------------------

/** A workflow to list: its external id, or the external id and one version. */
export type WorkflowSelector =
  | string
  | {
      /** The workflow's external id: 1 to 255 characters, no leading or trailing whitespace, no NUL. */
      externalId: string;
      /** One version of it: 1 to 255 characters, no leading or trailing whitespace, no NUL. @default every version */
      version?: string | undefined;
    };

/** The filter of {@link listExecutions} (also the `filter` of {@link retryExecutions}). */
export interface ExecutionFilter {
  /** 1 to 100 workflows; sent as `workflowFilters`. @default every workflow */
  workflows?: WorkflowSelector[] | undefined;
  /** 1 to 5 distinct statuses. @default every status */
  status?: WorkflowStatus[] | undefined;
  /** Created at or after, in milliseconds since the Unix epoch: an integer from 0 to 2^53 - 1, not after `createdTimeEnd`. @default no lower bound */
  createdTimeStart?: number | undefined;
  /** Created at or before, in milliseconds since the Unix epoch: an integer from 0 to 2^53 - 1. @default no upper bound */
  createdTimeEnd?: number | undefined;
  /** How many executions to return at most: an integer from 1 to 10000 (pages of up to 1000 are followed). @default 100 */
  limit?: number | undefined;
}

/** Options of {@link listExecutions}: the {@link ConnectionOptions} and an {@link ExecutionFilter}. */
export type ListExecutionsOptions = ConnectionOptions & ExecutionFilter;

/**
 * Lists workflow executions (POST …/workflows/executions/list), following the cursor until
 * `limit` executions are collected or none are left. Rejects with a {@link CdfError}.
 */
export declare function listExecutions(options: ListExecutionsOptions): Promise<WorkflowExecution[]>;

// ---- getExecution and waitForExecution ---------------------------------------------------

/** Options of {@link getExecution}: the {@link ConnectionOptions} and the execution. */
export type GetExecutionOptions = ConnectionOptions & {
  /** The execution: a hyphenated UUID, 36 characters, any case. */
  executionId: string;
};

/** One task of an execution, as CDF returns it. */
export interface TaskExecution {
  /** The task execution's id. */
  id: string;
  /** The task's external id in the workflow definition. */
  externalId: string;
  /** The task's status (unknown values passed through). */
  status: TaskStatus;
  /** "function", "transformation", "cdf", "dynamic", "subworkflow" or "simulation"; unknown values passed through. */
  taskType: string;
  /** The dynamic or subworkflow task this one belongs to. */
  parentTaskExternalId?: string;
  /** When the task started, in milliseconds since the Unix epoch. */
  startTime?: number;
  /** When the task ended, in milliseconds since the Unix epoch. */
  endTime?: number;
  /** Why the task did not complete. */
  reasonForIncompletion?: string;
  /** The task's input: plain JSON, as CDF sent it. */
  input: Record<string, unknown>;
  /** The task's output: plain JSON, as CDF sent it. */
  output: Record<string, unknown>;
}

/** An execution with its tasks and the definition it ran: what {@link getExecution} resolves to. */
export interface WorkflowExecutionDetails extends WorkflowExecution {
  /** The tasks run so far, as CDF lists them. */
  executedTasks: TaskExecution[];
  /** The workflow definition the execution runs. */
  workflowDefinition: {
    /** The definition's hash. */
    hash: string;
    /** The definition's description. */
    description?: string;
    /** The definition's tasks: plain JSON objects. */
    tasks: Record<string, unknown>[];
  };
  /** The execution's input: plain JSON. */
  input?: Record<string, unknown>;
}

/** Gets one execution with its tasks (GET …/workflows/executions/{id}). Rejects with a {@link CdfError}. */
export declare function getExecution(options: GetExecutionOptions): Promise<WorkflowExecutionDetails>;

/** Options of {@link waitForExecution}: those of {@link getExecution} and these. */
export type WaitForExecutionOptions = GetExecutionOptions & {
  /**
   * The wait between the first polls, in milliseconds: an integer from 100 to 60000. It doubles
   * after each poll up to 15000 (or up to this value when it is larger).
   * @default 1000
   */
  pollIntervalMs?: number | undefined;
  /** The deadline for the whole wait, in milliseconds: an integer from 1 to 2147483647. @default 900000 */
  timeoutMs?: number | undefined;
  /** Called after each successful poll with what it answered; what it throws is ignored. @default none */
  onProgress?: ((details: WorkflowExecutionDetails) => void) | undefined;
};

/**
 * Polls {@link getExecution} until the status is anything but RUNNING and resolves to that
 * last answer, whatever the final status. Rejects with a {@link CdfError} (kind "timeout"
 * when the deadline passes, with the last status seen in the message).
 */
export declare function waitForExecution(options: WaitForExecutionOptions): Promise<WorkflowExecutionDetails>;

// ---- retryExecutions ---------------------------------------------------------------------

/** The `filter` of {@link retryExecutions}: which executions to list and retry. */
export interface RetryExecutionsFilter extends ExecutionFilter {
  /** Only these statuses (1 to 3 distinct). @default ["FAILED", "TIMED_OUT", "TERMINATED"] */
  status?: ("FAILED" | "TIMED_OUT" | "TERMINATED")[] | undefined;
}

/** What `onProgress` of {@link retryExecutions} is told, once per finished execution. */
export interface RetryExecutionsProgress {
  /** How many executions have finished, this one included: 1 to `total`. */
  done: number;
  /** How many executions the batch retries. */
  total: number;
  /** The execution that finished. */
  executionId: string;
  /** The retried execution, when its retry succeeded. */
  execution?: WorkflowExecution;
  /** Why its retry failed, when it did. */
  error?: CdfErrorUnion;
}

/** Options of {@link retryExecutions}: the {@link ConnectionOptions}, `executionIds` or `filter`, and these. No `nonce`: each retry creates its own session. */
export type RetryExecutionsOptions = ConnectionOptions &
  (
    | {
        /** The executions to retry: 1 to 1000 UUIDs; duplicates (in any case) are retried once. */
        executionIds: string[];
        /** Not with `executionIds`. */
        filter?: undefined;
      }
    | {
        /** List the executions to retry with these options of {@link listExecutions}. */
        filter: RetryExecutionsFilter;
        /** Not with `filter`. */
        executionIds?: undefined;
      }
  ) & {
    /** Create each session with client credentials instead of token exchange. @default none */
    clientCredentials?: ClientCredentials | undefined;
    /** How many executions are in flight at once: an integer from 1 to 16. @default 4 */
    concurrency?: number | undefined;
    /** Called once per finished execution (not for those an abort stopped); what it throws is ignored. @default none */
    onProgress?: ((event: RetryExecutionsProgress) => void) | undefined;
  };

/** What {@link retryExecutions} resolves to once every execution has settled. */
export interface RetryExecutionsResult {
  /** The executions retried, in input (or list) order. */
  retried: WorkflowExecution[];
  /** The executions whose retry failed, with why, in input (or list) order. */
  failed: { executionId: string; error: CdfErrorUnion }[];
}

/**
 * Retries many executions, each as {@link retryExecution} does with a session of its own,
 * `concurrency` at a time; `timeoutMs` and `maxRetries` apply to each. Rejects only for
 * `invalid_input`, an abort before the batch starts, or when listing the executions fails.
 */
export declare function retryExecutions(options: RetryExecutionsOptions): Promise<RetryExecutionsResult>;

// ---- clientCredentialsToken --------------------------------------------------------------

/** Options of {@link clientCredentialsToken}. Unknown keys are rejected on the provider's first call. */
export interface ClientCredentialsTokenOptions {
  /** The identity provider's token URL: https (http only for a loopback host), e.g. https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token. */
  tokenUrl: string;
  /** The client id: a non-empty string. */
  clientId: string;
  /** The client secret: a non-empty string, never shown in a message. */
  clientSecret: string;
  /** Sent space-separated as `scope`, e.g. ["https://westeurope-1.cognitedata.com/.default"]. @default no scope */
  scopes?: string[] | undefined;
  /** Sent as `audience` (Auth0-style identity providers). @default no audience */
  audience?: string | undefined;
  /** Refresh the token this long before it expires, in seconds: an integer from 0 to 3600. @default 30 */
  leewaySeconds?: number | undefined;
}

/**
 * A token provider for the OAuth client-credentials grant, for the `token` option. Returns at
 * once (the WebAssembly module loads on the provider's first call, which also checks the
 * options). The provider caches the token until `expires_in` minus the leeway, shares one
 * request between concurrent callers, and rejects with a {@link CdfError} of operation "getToken".
 */
export declare function clientCredentialsToken(options: ClientCredentialsTokenOptions): TokenProvider;

// ---- cancelExecution and listTriggerRuns (version 0.3) -------------------------------------

/** Options of {@link cancelExecution}: the {@link ConnectionOptions}, the execution and a reason. */
export type CancelExecutionOptions = ConnectionOptions & {
  /** The execution to cancel: a hyphenated UUID, 36 characters, any case (sent lower-case). */
  executionId: string;
  /**
   * Why it is cancelled, as CDF records it: 1 to 500 characters, no NUL. Sent as
   * `{"reason": …}`; without it the body is `{}`.
   */
  reason?: string | undefined;
};

/**
 * Cancels a workflow execution (POST …/workflows/executions/{executionId}/cancel): CDF marks it
 * TERMINATED. Tasks already running in a function or transformation may still run to their end,
 * and nothing they wrote is undone. Resolves to the execution as CDF answers it (checked like the
 * retry's answer, its `id` the requested one). Cancelling an execution that already ended passes
 * on whatever CDF answers (a 2xx answer checked and returned, an error status as kind "api").
 * Retried by the read-only rules (429, 502, 503, 504, network, `cdf-is-auto-retryable`; a 401
 * asks a token provider again); errors have `operation: "cancelExecution"`.
 */
export declare function cancelExecution(options: CancelExecutionOptions): Promise<WorkflowExecution>;

/** Options of {@link listTriggerRuns}: the {@link ConnectionOptions}, the trigger and what to keep. */
export type ListTriggerRunsOptions = ConnectionOptions & {
  /**
   * The trigger's external id: 1 to 255 characters, no leading or trailing white space, no NUL
   * (and not "." or "..", which a URL path cannot carry); percent-encoded in the path.
   */
  triggerExternalId: string;
  /**
   * Keep only the runs whose `status` equals this exactly, e.g. "failed" (runs that failed to
   * start an execution) or "success". Filtered by this module: the API has no such filter.
   */
  status?: "failed" | "success" | (string & {}) | undefined;
  /** Most runs returned, counted after the `status` filter: an integer from 1 to 10000. Default 100. */
  limit?: number | undefined;
};

/** One run of a trigger, as CDF's trigger history lists it. */
export interface TriggerRun {
  /** The trigger's external id. */
  externalId: string;
  /** When the trigger fired, in milliseconds since the Unix epoch. */
  fireTime: number;
  /** The workflow the trigger runs. */
  workflowExternalId: string;
  /** The workflow version the trigger runs. */
  workflowVersion: string;
  /** "success" or "failed"; unknown values passed through. */
  status: "success" | "failed" | (string & {});
  /** The execution the run started; absent when none started. */
  workflowExecutionId?: string;
  /** Why the run failed to start an execution. */
  reasonForFailure?: string;
}

/**
 * Lists a trigger's runs, newest first as CDF returns them
 * (GET …/workflows/triggers/{triggerExternalId}/history?limit=…&cursor=…), following `nextCursor`
 * until `limit` runs are collected (page size min(1000, remaining)) or no cursor is left; a cursor
 * this call already sent rejects with kind "invalid_response", `field: "nextCursor"`. Each run is
 * checked (`field` such as `items[3].fireTime`, the index counting runs received across pages).
 * Read-only retry rules; errors have `operation: "listTriggerRuns"`.
 */
export declare function listTriggerRuns(options: ListTriggerRunsOptions): Promise<TriggerRun[]>;

// ---- groupFailures -----------------------------------------------------------------------

/**
 * What {@link groupFailures} reads of one execution: a {@link WorkflowExecution} or a
 * {@link WorkflowExecutionDetails} fits as it is. Only `id` and `status` are read of a RUNNING
 * or COMPLETED execution; of the others also the optional fields below (`undefined` or `null`
 * is absent), and of their tasks `status` in order up to the first failed one (FAILED,
 * FAILED_WITH_TERMINAL_ERROR or TIMED_OUT), whose `externalId` and `reasonForIncompletion`
 * are read too. Other fields are never read.
 */
export interface GroupFailuresExecution {
  /** The execution id, returned as given in {@link FailureGroup.executionIds}. */
  id: string;
  /** Its status; RUNNING and COMPLETED executions are left out, any other value is grouped. */
  status: string;
  /** Its workflow. @default "" */
  workflowExternalId?: string | null | undefined;
  /** When it was created, in milliseconds since the epoch (a finite number): orders `executionIds`. @default oldest, after every execution that has one */
  createdTime?: number | null | undefined;
  /** Why it did not complete. @default "" */
  reasonForIncompletion?: string | null | undefined;
  /** Its tasks (details): the first failed one gives the signature and `failedTask`. */
  executedTasks?:
    | ReadonlyArray<{
        externalId: string;
        status: string;
        reasonForIncompletion?: string | null | undefined;
      }>
    | null
    | undefined;
}

/** Options of {@link groupFailures}. Unknown keys are rejected (`invalid_input` naming the key). */
export interface GroupFailuresOptions {
  /** The most groups returned (the largest first): an integer from 1 to 1000. @default 100 */
  limit?: number | undefined;
}

/** Executions of one workflow that failed the same way: what {@link groupFailures} returns. */
export interface FailureGroup {
  /** The workflow ("" for executions without `workflowExternalId`). */
  workflowExternalId: string;
  /**
   * The normalised reason, e.g. "Function call timed out after <n> seconds": ids (UUIDs, 8 or
   * more hex digits with a letter) become `<id>`, ISO 8601 date-times and 13-digit epoch
   * milliseconds `<time>`, quoted text `"<value>"` or `'<value>'`, other numbers `<n>`; whitespace
   * collapsed and trimmed; at most 200 characters. With a failed task: `"{externalId}: {its
   * normalised reason}"`. An execution without a reason (and without a failed task) gives "".
   */
  signature: string;
  /** How many executions of each status, e.g. `{ FAILED: 12, TIMED_OUT: 3 }` (a plain object, keys in code-point order). */
  statuses: Record<string, number>;
  /** How many executions: 1 or more. */
  count: number;
  /** Their ids, newest first (`createdTime` descending; equal times, and executions without one, which come last, in input order). */
  executionIds: string[];
  /** The newest member's original reason (the failed task's when the signature is the task's): its first 500 characters, no ellipsis. */
  example: string;
  /** The newest member's failed task (its `externalId`), when its signature is the task's. */
  failedTask?: string;
}

/**
 * Groups the executions that are neither RUNNING nor COMPLETED by workflow and by the
 * signature of their failure, largest group first (then by `workflowExternalId`, then by
 * `signature`, in code-point order), at most `options.limit` groups. Synchronous; no network.
 * `[]` gives `[]`.
 *
 * Throws a {@link CdfInvalidInputError} for input it cannot use: `field` is "executions" (not
 * an array, more than 100000 executions, or more reading than its budget allows: 4000000
 * property reads and 16777216 characters of text in all, 1048576 in one string),
 * "executions[3]", "executions[3].status" or "executions[3].executedTasks[0].externalId" (a
 * field of the wrong type, or a getter or Proxy trap that threw: then `cause` is what it
 * threw), "options", "limit", or an unknown option key.
 *
 * In a browser the WebAssembly module loads asynchronously: called before it has loaded (before
 * any other call of the package has settled), it throws a {@link CdfNetworkError}
 * (`retryable: true`, `attempts: 0`, no `operation`) and starts the load; call it again once
 * the load is done, e.g. after any `await`ed call of the package. Node and Cloudflare Workers
 * load the module synchronously on the first call: there it always works.
 */
export declare function groupFailures(
  executions: ReadonlyArray<GroupFailuresExecution>,
  options?: GroupFailuresOptions,
): FailureGroup[];
