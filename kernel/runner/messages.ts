/**
 * The message contents the runner reads, one interface per msg_type (Jupyter messaging 5.3,
 * https://jupyter-client.readthedocs.io/en/latest/messaging.html). A kernel's JSON is checked here, once, as it
 * arrives: each reader keeps what the spec promises and coerces or defaults the rest exactly as nbclient's
 * tolerant reading does, so the code downstream works with declared types instead of `any`.
 */
import type { Message } from './protocol';
import { MimeData, isRecord } from './notebook';

/** A message as it comes off the wire: signed and framed, its content not yet checked. */
export type Received = Message<Record<string, unknown>>;

export interface StreamContent {
  name: 'stdout' | 'stderr';
  text: string;
}

export interface DisplayDataContent {
  data: MimeData;
  metadata: Record<string, unknown>;
  /** `transient.display_id`: the display this output shows, which later updates rewrite in place. */
  displayId: string | undefined;
}

export interface ExecuteResultContent extends DisplayDataContent {
  execution_count: number | null;
}

export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface StatusContent {
  /** 'busy', 'idle' or 'starting'. */
  execution_state: string;
}

export interface ClearOutputContent {
  wait: boolean;
}

export interface ExecuteInputContent {
  execution_count: number | null;
}

export interface ExecuteReplyContent {
  /** 'ok', 'error' or 'aborted'; '' when the kernel sent none (then the cell counts as failed). */
  status: string;
  execution_count: number | null;
  /** Present on status 'error'. */
  ename?: string;
  evalue?: string;
}

/** kernel_info_reply: the runner copies language_info into the notebook and keeps the rest as sent. */
export interface KernelInfoReplyContent {
  language_info?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface InputRequestContent {
  prompt: string;
  password: boolean;
}

export interface Contents {
  execute_reply: ExecuteReplyContent;
  execute_input: ExecuteInputContent;
  stream: StreamContent;
  display_data: DisplayDataContent;
  update_display_data: DisplayDataContent;
  execute_result: ExecuteResultContent;
  error: ErrorContent;
  status: StatusContent;
  clear_output: ClearOutputContent;
  kernel_info_reply: KernelInfoReplyContent;
  input_request: InputRequestContent;
}

export type MsgType = keyof Contents;

/** A message of a type the runner reads, its content checked: switching on `type` narrows `content`. */
export type Read = { [T in MsgType]: { type: T; content: Contents[T] } }[MsgType];

const record = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const count = (v: unknown): number | null => (typeof v === 'number' ? v : null);
/** A text field: absent reads as '' (as nbformat's output_from_msg does), a string as sent, other JSON as JSON. */
const str = (v: unknown): string => optionalStr(v) ?? '';
function optionalStr(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A traceback line: a string as sent, another JSON value (null, say) as JSON. */
const line = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function displayData(c: Record<string, unknown>): DisplayDataContent {
  const id = record(c.transient).display_id;
  return {
    data: record(c.data),
    metadata: record(c.metadata),
    displayId: typeof id === 'string' && id !== '' ? id : undefined,
  };
}

const READERS: { [T in MsgType]: (c: Record<string, unknown>) => Contents[T] } = {
  execute_reply: (c) => ({
    status: typeof c.status === 'string' ? c.status : '',
    execution_count: count(c.execution_count),
    ename: optionalStr(c.ename),
    evalue: optionalStr(c.evalue),
  }),
  execute_input: (c) => ({ execution_count: count(c.execution_count) }),
  stream: (c) => ({ name: c.name === 'stderr' ? 'stderr' : 'stdout', text: str(c.text) }),
  display_data: displayData,
  update_display_data: displayData,
  execute_result: (c) => ({ ...displayData(c), execution_count: count(c.execution_count) }),
  error: (c) => ({
    ename: str(c.ename),
    evalue: str(c.evalue),
    traceback: Array.isArray(c.traceback) ? c.traceback.map(line) : [],
  }),
  status: (c) => ({ execution_state: typeof c.execution_state === 'string' ? c.execution_state : '' }),
  clear_output: (c) => ({ wait: Boolean(c.wait) }),
  kernel_info_reply: ({ language_info, ...rest }) => (isRecord(language_info) ? { ...rest, language_info } : rest),
  input_request: (c) => ({ prompt: str(c.prompt), password: c.password === true }),
};

const isMsgType = (t: string): t is MsgType => Object.prototype.hasOwnProperty.call(READERS, t);

/** The message's content checked against its msg_type's interface; null for types the runner does not read. */
export function readMessage(msg: Received): Read | null {
  const type = msg.header.msg_type;
  if (!isMsgType(type)) return null;
  // One reader per type: the table pairs them, which TypeScript cannot see through the union of keys.
  return { type, content: READERS[type](msg.content) } as Read;
}

/** The content of `msg` if it is a `type` message, else null. */
export function contentOf<T extends MsgType>(msg: Received, type: T): Contents[T] | null {
  return msg.header.msg_type === type ? READERS[type](msg.content) : null;
}

/** A reply's content read as `type`'s: replies are matched to their request by parent msg_id, whatever their msg_type. */
export function replyContent<T extends MsgType>(msg: Received, type: T): Contents[T] {
  return READERS[type](msg.content);
}
