// Types of `cdf-workflow-retry/mock` (tests/mock/index.mjs). Node 20+ only.

export type WorkflowStatus = "RUNNING" | "COMPLETED" | "FAILED" | "TIMED_OUT" | "TERMINATED";

/** The operations of the mock: what a script step's `on` and the log's `op` name. */
export type MockOperation = "sessions" | "retry" | "list" | "get" | "cancel" | "triggerRuns" | "token";
export type LoggedOperation = MockOperation | "other";

/** Options of `startMockServer` (tests/mock/server.mjs). */
export interface MockServerOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default "127.0.0.1". */
  host?: string;
  /** No request lines on stderr. `startMock` defaults it to true. */
  quiet?: boolean;
  /** How long a session nonce can be bound, default 60000. */
  nonceTtlMs?: number;
  /** Default true; false answers every request with `Connection: close`. */
  keepAlive?: boolean;
  /** URL prefix → directory to serve files from. */
  static?: Record<string, string>;
  /** Seed of the generated executions (integer 0 to 2^32 - 1), default 1. */
  seed?: number;
  /** How many executions are generated beside the 7 hand-written ones, 0 to 1000, default 30. */
  generatedExecutions?: number;
  /** The "now" the generated executions are spread back from (ms), default the server's start. */
  seedTime?: number;
  /** How long a retried execution runs before it ends (ms), default 5000. */
  retryOutcomeDelayMs?: number;
  /** `expires_in` of the token endpoint (seconds), default 3600. */
  tokenExpiresIn?: number;
}

export interface StartMockOptions extends MockServerOptions {
  /** The CDF project name the helpers use, default "test-project". */
  project?: string;
}

/** One seeded execution, as it was when the mock started. */
export interface MockExecutionSummary {
  readonly id: string;
  readonly workflowExternalId: string;
  readonly version?: string;
  readonly status: WorkflowStatus;
  readonly createdTime: number;
  /** false for the 7 hand-written executions (SEED_EXECUTIONS). */
  readonly generated: boolean;
  /** A retry ends FAILED again (the default rule), unless an outcome says otherwise. */
  readonly failsAgain: boolean;
}

/** Ids of the seeded executions, by their status when the mock started, newest first. */
export interface MockExecutionIds {
  readonly failed: readonly string[];
  readonly timedOut: readonly string[];
  readonly terminated: readonly string[];
  readonly completed: readonly string[];
  readonly running: readonly string[];
  /** FAILED, TIMED_OUT and TERMINATED. */
  readonly retryable: readonly string[];
  /** Retryable ones that end COMPLETED after a retry (by default). */
  readonly completesOnRetry: readonly string[];
  /** Retryable ones that end FAILED again after a retry (by default). */
  readonly failsAgain: readonly string[];
  readonly all: readonly string[];
}

/** A scripted answer (see tests/mock/README.md, "Script steps"). */
export interface ScriptStep {
  on?: MockOperation | "any";
  /** The request's full path, or its part after /api/v1/projects/{project} (case-insensitive). */
  path?: string;
  /** How many matching requests this step answers, default 1. */
  times?: number;
  status?: number;
  headers?: Record<string, string | number | null>;
  body?: unknown;
  delayMs?: number;
  hang?: boolean;
  reset?: boolean;
  headersThenHang?: boolean;
  /** Send only this many bytes of the body, then drop the connection. */
  truncateAfter?: number;
  process?: boolean;
  requestId?: string | null;
}

export type OutcomeStatus = "COMPLETED" | "FAILED" | "TIMED_OUT" | "TERMINATED" | "RUNNING";

/**
 * How a retried execution ends: a status, a list of statuses (one per retry, the last one
 * sticks), or an object with a delay and a reason. RUNNING: it never ends by itself.
 */
export type Outcome =
  | OutcomeStatus
  | OutcomeStatus[]
  | { status: OutcomeStatus | OutcomeStatus[]; delayMs?: number; reasonForIncompletion?: string };

export interface StoredOutcome {
  statuses: OutcomeStatus[];
  delayMs?: number;
  reasonForIncompletion?: string;
}

export interface LoggedRequest {
  method: string;
  /** The raw request target. */
  path: string;
  /** All headers, lower-case names. */
  headers: Record<string, string | string[]>;
  /** The raw body, cut at 1 MiB. */
  body: string;
  op: LoggedOperation;
  /** The status sent, or null (hang, reset, client left). */
  status: number | null;
  time: number;
}

type PerOperation = Record<LoggedOperation, number>;

export interface MockStats {
  /** Requests of the project, token requests included, whatever their answer. */
  requests: PerOperation;
  /** Tokens the project's token endpoint issued. */
  tokensIssued: number;
  /** Requests in flight now, per operation and in all. */
  inFlight: PerOperation & { all: number };
  /** The most requests in flight at once, per operation and in all. */
  maxInFlight: PerOperation & { all: number };
  /** Server-wide nonce counts (never reset). */
  noncesIssued: number;
  noncesBound: number;
  nonceReuseAttempts: number;
}

export interface TokenExpirySettings {
  /** What `expires_in` answers: a number, that exact string, or null to leave it out. */
  expiresIn?: number | string | null;
  /** How long the tokens really live (s); null: the numeric expiresIn, else 3600. */
  lifetimeSeconds?: number | null;
}

export interface CancelSettings {
  /**
   * How a cancel of an execution that already ended (not RUNNING) is answered: "error" (the
   * default) a 400 CDF error, "unchanged" a 200 with the execution as it is.
   */
  whenEnded?: "error" | "unchanged";
}

/** A trigger run as the history endpoint answers it (`getTriggerHistory` items). */
export interface MockTriggerRun {
  externalId: string;
  /** ms since the epoch */
  fireTime: number;
  workflowExternalId: string;
  workflowVersion: string;
  /** "success" | "failed" in the seed; a run added by a test may have any non-empty string. */
  status: string;
  /** Seeded runs: null when no execution started. Added runs: as given, absent when not given. */
  workflowExecutionId?: string | null;
  /** Seeded runs: null for a success. Added runs: as given, absent when not given. */
  reasonForFailure?: string | null;
}

/** A run to add with `addTriggerRuns` (its `externalId` is the trigger's). */
export interface MockTriggerRunInput {
  fireTime: number;
  status: string;
  /** Default: the options', else the trigger's. */
  workflowExternalId?: string;
  /** Default: the options', else the trigger's. */
  workflowVersion?: string;
  workflowExecutionId?: string | null;
  reasonForFailure?: string | null;
}

export interface AddTriggerRunsOptions {
  /** Replace the trigger's runs instead of adding to them. */
  replace?: boolean;
  /** The trigger's workflow, for runs that do not name theirs (needed for a new trigger). */
  workflowExternalId?: string;
  workflowVersion?: string;
}

/** One trigger of the project, as `triggers()` lists it. */
export interface MockTrigger {
  readonly externalId: string;
  readonly workflowExternalId: string | null;
  readonly workflowVersion: string | null;
  /** How many runs its history has, and how many of them failed. */
  readonly runs: number;
  readonly failed: number;
  /** The scripted `nextCursor` values (setTriggerPaging), or null: real paging. */
  readonly scriptedCursors: string[] | null;
}

export interface MockCdf {
  /** The mock's origin, e.g. "http://127.0.0.1:41234": the package's `baseUrl`. */
  readonly url: string;
  readonly port: number;
  readonly project: string;
  /** A bearer token the mock accepts ("test-token-…"). */
  readonly token: string;
  /** `{ baseUrl, project, token }`: spread it into the package's options. */
  readonly connection: { readonly baseUrl: string; readonly project: string; readonly token: string };
  /** The project's OAuth 2.0 token endpoint, for `clientCredentialsToken`. */
  readonly tokenUrl: string;
  /** Client credentials the token endpoint and sessions accept. */
  readonly clientId: string;
  readonly clientSecret: string;
  readonly executionIds: MockExecutionIds;
  /** A valid UUID of no execution (404). */
  readonly missingExecutionId: string;
  /** Every seeded execution as it was at the start, newest first. */
  readonly executions: readonly MockExecutionSummary[];

  /**
   * Queue scripted answers for the next matching requests of the project: target is an
   * operation ("retry", "list", "get", "cancel", "triggerRuns", "sessions", "token", "any") or a path; or pass only
   * steps (each with its own `on`/`path`).
   */
  script(target: MockOperation | "any" | `/${string}`, steps: ScriptStep | ScriptStep[]): { queued: number; added: number };
  script(steps: ScriptStep | ScriptStep[]): { queued: number; added: number };
  /** How the execution's later retries end (null or undefined: back to the default rule). "*": every execution without its own. */
  setOutcome(executionId: string, outcome: Outcome | null | undefined): Record<string, StoredOutcome>;
  /** How the token endpoint answers `expires_in`, and how long its tokens live. */
  setTokenExpiry(settings: TokenExpirySettings): { expiresIn: number | string | null; lifetimeSeconds: number };
  /** Every token the project's endpoint issued stops working (401); returns how many. */
  revokeTokens(): number;
  /** How the project's cancel endpoint answers for an execution that already ended; returns the settings now. */
  setCancelSettings(settings: CancelSettings): Required<CancelSettings>;
  /**
   * The project's triggers, by external id: the seeded ones ("asset-hierarchy-on-upload",
   * "backfill-monthly", "hourly-sync-hourly", "nightly-ingest-schedule", "quality-checks/daily pumps")
   * and any added.
   */
  triggers(): MockTrigger[];
  /** Add runs to a trigger's history (the trigger is created when unknown); returns how many runs it has now. */
  addTriggerRuns(triggerExternalId: string, runs: MockTriggerRunInput[], options?: AddTriggerRunsOptions): number;
  /** Every run of the trigger's history, newest first, as the API shows them (throws for an unknown trigger). */
  triggerRuns(triggerExternalId: string): MockTriggerRun[];
  /**
   * Script the `nextCursor` values the trigger's history answers: the first page answers
   * cursors[0], the page asked for with cursors[i] answers cursors[i + 1] (none after the last),
   * so ["a", "b", "a"] makes a cycle a → b → a. null: real paging again. Returns the cursors.
   */
  setTriggerPaging(triggerExternalId: string, cursors: string[] | null): string[] | null;
  /** The project's API and token requests, in arrival order. */
  log(filter?: { op?: LoggedOperation }): LoggedRequest[];
  stats(): MockStats;
  /** The execution's status now (undefined for an unknown id). */
  status(executionId: string): WorkflowStatus | undefined;
  /** A fresh session nonce for the project (not logged). */
  mintNonce(ttlMs?: number): string;
  /** Forget the project's state: executions back to the seed, script, log, outcomes, counts. */
  reset(): void;
  /** Any control call (see the README), in process; throws on an error status. */
  control(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): any;
  /** Stop the server (open sockets are destroyed). Idempotent. Also `[Symbol.asyncDispose]` where the runtime has it (`await using mock = …`). */
  close(): Promise<void>;
}

export function startMock(options?: StartMockOptions): Promise<MockCdf>;

export interface MockServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  control(method: string, path: string, body?: unknown): { status: number; body: any };
}

export function startMockServer(options?: MockServerOptions): Promise<MockServer>;

/** The 7 hand-written executions every project starts with (beside the generated ones). */
export const SEED_EXECUTIONS: readonly Readonly<{
  id: string;
  workflowExternalId: string;
  version?: string;
  status: WorkflowStatus;
  engineExecutionId: string;
  createdTime: number;
  startTime?: number;
  endTime?: number;
  reasonForIncompletion?: string;
  metadata: Readonly<Record<string, string>>;
}>[];
