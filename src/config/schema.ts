// The one configuration schema (zod). Every key has a default that gives the embedded
// default (SQLite, embedded directory, outbox), so Nyckel starts with no file at all.
// Objects are strict: an unknown key is an error, because a misspelt security option
// silently ignored is worse than a refusal to start.

import { z } from 'zod';

const durationMinutes = (fallback: number) =>
  z
    .number()
    .int()
    .min(1)
    .max(60 * 24 * 365)
    .default(fallback);

const rateLimitRule = (limit: number, windowMinutes: number) =>
  z
    .strictObject({
      /** How many attempts are allowed in the window. */
      limit: z.number().int().min(1).max(1_000_000).default(limit),
      windowMinutes: durationMinutes(windowMinutes),
    })
    .prefault({});

const cidr = z
  .string()
  .regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'expected an IP address or CIDR range, for example 10.0.0.0/8 or 2001:db8::/32');

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** The address users reach Nyckel at, for links in messages. Defaults to http://host:port. */
      publicUrl: z.url({ protocol: /^https?$/ }).optional(),
      /** Peers whose X-Forwarded-For is believed (load balancers, reverse proxies). */
      trustedProxies: z.array(cidr).default([]),
      /** Largest request body accepted, in bytes (forms are small; this stops memory abuse). */
      bodyLimitBytes: z
        .number()
        .int()
        .min(1024)
        .max(10 * 1024 * 1024)
        .default(64 * 1024),
    })
    .prefault({}),

  organisation: z
    .strictObject({
      name: z.string().min(1).max(200).default('Demo kommun'),
      /** Shown on the accessibility statement page. */
      contactEmail: z.email().optional(),
      contactPhone: z.string().max(50).optional(),
    })
    .prefault({}),

  /** Demo mode: seeds a demo organisation, shows a banner and the outbox page. Never in production. */
  demo: z.boolean().default(false),

  /** Where the SQLite file, the outbox and generated keys live. */
  dataDir: z.string().min(1).default('./data'),

  store: z
    .strictObject({
      driver: z.enum(['sqlite', 'postgres']).default('sqlite'),
      sqlite: z
        .strictObject({
          /** Relative paths are under dataDir. */
          path: z.string().min(1).default('nyckel.db'),
        })
        .prefault({}),
      postgres: z
        .strictObject({
          url: z
            .string()
            .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
            .optional(),
          poolSize: z.number().int().min(1).max(100).default(10),
        })
        .prefault({}),
    })
    .prefault({})
    .refine((s) => s.driver !== 'postgres' || s.postgres.url !== undefined, {
      message: 'store.postgres.url is required when store.driver is postgres',
      path: ['postgres', 'url'],
    }),

  directory: z
    .strictObject({
      type: z.enum(['embedded']).default('embedded'),
      embedded: z
        .strictObject({
          /** Failed sign-ins before the account locks (0 = never lock). */
          lockoutThreshold: z.number().int().min(0).max(1000).default(5),
          lockoutMinutes: durationMinutes(15),
          /** Password lifetime in days (0 = passwords never expire). */
          maxPasswordAgeDays: z.number().int().min(0).max(3650).default(0),
          /** How many earlier passwords may not be reused. */
          historySize: z.number().int().min(0).max(50).default(5),
          /** argon2id parameters; defaults follow OWASP's Password Storage Cheat Sheet (m=19 MiB, t=2, p=1). */
          argon2: z
            .strictObject({
              memoryKiB: z
                .number()
                .int()
                .min(8 * 1024)
                .max(4 * 1024 * 1024)
                .default(19 * 1024),
              iterations: z.number().int().min(1).max(20).default(2),
              parallelism: z.number().int().min(1).max(16).default(1),
            })
            .prefault({}),
        })
        .prefault({}),
      /** Groups whose members self-service must refuse (privileged accounts go through the helpdesk). */
      privilegedGroups: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),

  passwordPolicy: z
    .strictObject({
      /** NIST SP 800-63B: length first. */
      minLength: z.number().int().min(8).max(256).default(12),
      maxLength: z.number().int().min(64).max(1024).default(256),
    })
    .prefault({})
    .refine((p) => p.maxLength >= p.minLength, { message: 'maxLength must be at least minLength', path: ['maxLength'] }),

  sessions: z
    .strictObject({
      /** A session unused this long ends (OWASP Session Management: idle timeout). */
      idleMinutes: durationMinutes(30),
      /** A session ends this long after sign-in whatever happens (absolute timeout). */
      absoluteMinutes: durationMinutes(12 * 60),
    })
    .prefault({}),

  rateLimits: z
    .strictObject({
      signInPerIp: rateLimitRule(30, 15),
      signInPerAccount: rateLimitRule(10, 15),
    })
    .prefault({}),

  messaging: z
    .strictObject({
      outbox: z
        .strictObject({
          /** Relative paths are under dataDir. */
          path: z.string().min(1).default('outbox.jsonl'),
        })
        .prefault({}),
    })
    .prefault({}),

  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),

  i18n: z
    .strictObject({
      defaultLanguage: z.enum(['sv', 'en']).default('sv'),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
