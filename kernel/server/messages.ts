/**
 * The content of each request the kdlab kernel answers and of each reply it sends (Jupyter messaging protocol 5.3,
 * https://jupyter-client.readthedocs.io/en/latest/messaging.html), and the table type kernel.ts dispatches with.
 * A request comes off the network: its interface says what each field should be, but the kernel reads it as
 * `Received<…>`, every field possibly missing or of any type, and checks or coerces what it uses.
 */
import type { ErrorContent } from './errors';
import type { HistoryRequest, HistoryRow } from './history';
import type { IsComplete } from './is-complete';

/** A request's content as it arrives: the fields the protocol names, each possibly missing or of any type. */
export type Received<T> = { [K in keyof T]?: unknown };

/** A value shown as a MIME bundle (execute_result, display_data, user expressions, inspect). */
export interface MimeContent {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface ExecuteRequest {
  code: string;
  silent: boolean;
  store_history: boolean;
  /** Name -> expression, evaluated after a successful cell. */
  user_expressions: Record<string, string>;
  allow_stdin: boolean;
  stop_on_error: boolean;
}

export type UserExpressionResult = ({ status: 'ok' } & MimeContent) | ({ status: 'error' } & ErrorContent);

export type ExecuteReply =
  | {
      status: 'ok';
      execution_count: number;
      payload: unknown[];
      user_expressions: Record<string, UserExpressionResult>;
    }
  | ({ status: 'error'; execution_count: number } & ErrorContent)
  | { status: 'aborted'; execution_count: number };

export type KernelInfoRequest = Record<string, never>;

export interface KernelInfoReply {
  status: 'ok';
  protocol_version: string;
  implementation: string;
  implementation_version: string;
  language_info: {
    name: string;
    version: string;
    mimetype: string;
    file_extension: string;
    pygments_lexer: string;
    codemirror_mode: Record<string, unknown>;
  };
  banner: string;
  help_links: { text: string; url: string }[];
  debugger: boolean;
}

export interface IsCompleteRequest {
  code: string;
}

export type IsCompleteReply = IsComplete;

/** cursor_pos counts Unicode code points (unicode.ts). */
export interface CompleteRequest {
  code: string;
  cursor_pos: number;
}

export interface CompleteReply {
  status: 'ok';
  matches: string[];
  cursor_start: number;
  cursor_end: number;
  metadata: Record<string, unknown>;
}

export interface InspectRequest {
  code: string;
  cursor_pos: number;
  detail_level: 0 | 1;
}

export type InspectReply = { status: 'ok'; found: boolean } & MimeContent;

export type { HistoryRequest };

export interface HistoryReply {
  status: 'ok';
  history: HistoryRow[];
}

export interface CommInfoRequest {
  target_name: string;
}

export interface CommInfoReply {
  status: 'ok';
  comms: Record<string, { target_name: string }>;
}

export interface CommOpen {
  comm_id: string;
  target_name: string;
  data: Record<string, unknown>;
}

export interface CommMsg {
  comm_id: string;
  data: Record<string, unknown>;
}

export interface CommClose {
  comm_id: string;
  data: Record<string, unknown>;
}

export interface ShutdownRequest {
  restart: boolean;
}

export interface ShutdownReply {
  status: 'ok';
  restart: boolean;
}

export type InterruptRequest = Record<string, never>;

export interface InterruptReply {
  status: 'ok';
}

/** Sent on stdin by the kernel (input()); answered by an input_reply. */
export interface InputRequest {
  prompt: string;
  password: boolean;
}

export interface InputReply {
  value: string;
}

/** The reply to a request whose handler threw. */
export type HandlerErrorReply = { status: 'error' } & ErrorContent;

/**
 * The messages the kernel handles on shell and control (interrupt_request is answered by the control thread),
 * each with its request content and its reply content; null: no reply (comm messages).
 */
export interface Handled {
  execute_request: [ExecuteRequest, ExecuteReply];
  kernel_info_request: [KernelInfoRequest, KernelInfoReply];
  is_complete_request: [IsCompleteRequest, IsCompleteReply];
  complete_request: [CompleteRequest, CompleteReply];
  inspect_request: [InspectRequest, InspectReply];
  history_request: [HistoryRequest, HistoryReply];
  comm_info_request: [CommInfoRequest, CommInfoReply];
  comm_open: [CommOpen, null];
  comm_msg: [CommMsg, null];
  comm_close: [CommClose, null];
  shutdown_request: [ShutdownRequest, ShutdownReply];
}

export type HandledType = keyof Handled;
export type ReplyContent = NonNullable<Handled[HandledType][1]> | HandlerErrorReply;
