import { z } from "zod";

import type { Principal } from "../kit/api-keys.js";
import { principalOf } from "../kit/auth.js";
import { ForbiddenError, NotFoundError } from "../kit/errors.js";
import type { HttpApp } from "../kit/http.js";
import type { WebhookMessage, WebhookOutbox } from "./outbox.js";

export interface WebhookRouteOptions {
  outbox: WebhookOutbox;
  /** Wakes the delivery worker after a replay (its `notify`). */
  notify?: () => void;
  /**
   * Whether a caller may see and replay an endpoint's messages. By default an endpoint is named after the
   * tenant it delivers to, and only that tenant's keys reach it.
   */
  canAccess?: (principal: Principal, endpoint: string) => boolean;
  /** Route prefix (default `/webhooks`). */
  prefix?: string;
}

const message = z.object({
  id: z.string(),
  endpoint: z.string(),
  seq: z.number(),
  eventType: z.string(),
  body: z.string(),
  state: z.enum(["pending", "delivered", "dead"]),
  attempts: z.number(),
  totalAttempts: z.number(),
  nextAttemptAt: z.number(),
  lastError: z.string().nullable(),
  createdAt: z.number(),
  deliveredAt: z.number().nullable(),
});

/**
 * The outbox over HTTP for the tenants it delivers to: a message and its state, the dead letters of an
 * endpoint, and replay on request (one message, or an endpoint's messages since a time).
 */
export function registerWebhookRoutes(app: HttpApp, options: WebhookRouteOptions): void {
  const prefix = options.prefix ?? "/webhooks";
  const canAccess = options.canAccess ?? ((principal, endpoint) => principal.tenant === endpoint);
  const show = (m: WebhookMessage) => m;

  app.get(
    `${prefix}/messages/:id`,
    { schema: { params: z.object({ id: z.string().min(1).max(128) }), response: { 200: message } } },
    async (request) => {
      const found = await options.outbox.message(request.params.id);
      // Another tenant's message answers like a missing one: ids are not to be probed.
      if (found === undefined || !canAccess(principalOf(request), found.endpoint)) {
        throw new NotFoundError(`no webhook message ${request.params.id}`);
      }
      return show(found);
    },
  );

  app.get(
    `${prefix}/dead-letters`,
    {
      schema: {
        querystring: z.object({
          endpoint: z.string().min(1).max(200),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: { 200: z.object({ messages: z.array(message) }) },
      },
    },
    async (request) => {
      if (!canAccess(principalOf(request), request.query.endpoint)) throw new ForbiddenError();
      return { messages: (await options.outbox.deadLetters(request.query.endpoint, request.query.limit)).map(show) };
    },
  );

  app.post(
    `${prefix}/replay`,
    {
      schema: {
        description: "Delivers messages again with their original ids: one by id, or an endpoint's since a time (ms).",
        body: z.union([
          z.strictObject({ messageId: z.string().min(1).max(128) }),
          z.strictObject({ endpoint: z.string().min(1).max(200), since: z.number().int().min(0) }),
        ]),
        response: { 200: z.object({ replayed: z.number() }) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      let replayed: number;
      if ("messageId" in request.body) {
        const found = await options.outbox.message(request.body.messageId);
        if (found === undefined || !canAccess(principal, found.endpoint)) {
          throw new NotFoundError(`no webhook message ${request.body.messageId}`);
        }
        replayed = await options.outbox.replay(found.id);
      } else {
        if (!canAccess(principal, request.body.endpoint)) throw new ForbiddenError();
        replayed = await options.outbox.replay({ endpoint: request.body.endpoint, since: request.body.since });
      }
      request.log.info({ replayed, request: request.body }, "webhook replay requested");
      if (replayed > 0) options.notify?.();
      return { replayed };
    },
  );
}
