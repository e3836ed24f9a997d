/** Protobuf messages as the JSON the browser reads (camelCase fields, enum names, RFC 3339). */
import "server-only";
import { type DescMessage, type MessageShape, toJson } from "@warmtransfer/client";

export function json<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): unknown {
  return toJson(schema, message, { alwaysEmitImplicit: true });
}

/** A JSON response of a message. */
export function reply<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
  init?: ResponseInit,
): Response {
  return Response.json(json(schema, message), init);
}
