// The one configuration schema (zod). Every key has a default that gives the embedded
// default (SQLite, embedded directory, outbox), so Nyckel starts with no file at all.
// Objects are strict: an unknown key is an error, because a misspelt security option
// silently ignored is worse than a refusal to start.

import { z } from 'zod';
import { emailConfigSchema, smsConfigSchema } from './messaging-schema.ts';

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

/** An LDAP attribute name (directory.ldap.attributes, identifierAttributes). */
const ldapAttributeName = z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'expected an LDAP attribute name, for example uid or mail');

/** Who holds a staff role: usernames (as the directory spells them) and directory groups (names or DNs). */
const staffRoleGrant = z
  .strictObject({
    users: z.array(z.string().min(1).max(256)).max(1000).default([]),
    groups: z.array(z.string().min(1).max(1024)).max(100).default([]),
  })
  .prefault({});

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
      /** Where accounts live: Nyckel's own accounts table, OpenLDAP (ppolicy) or Active Directory. */
      type: z.enum(['embedded', 'ldap', 'active-directory']).default('embedded'),
      embedded: z
        .strictObject({
          /** Failed sign-ins before the account locks (0 = never lock). */
          lockoutThreshold: z.number().int().min(0).max(1000).default(5),
          lockoutMinutes: durationMinutes(15),
          /** Password lifetime in days (0 = passwords never expire). */
          maxPasswordAgeDays: z.number().int().min(0).max(3650).default(0),
          /** How many earlier passwords may not be reused. */
          historySize: z.number().int().min(0).max(50).default(5),
          /**
           * argon2id parameters. Defaults: RFC 9106 §4's recommended option for servers that can't
           * spare 2 GiB (m=64 MiB, t=3, p=4): about five times the work per guess of OWASP's minimum
           * (m=19 MiB, t=2, p=1, still accepted), for ~55 ms of CPU and ~30 ms of a sign-in on 2 cores.
           */
          argon2: z
            .strictObject({
              memoryKiB: z
                .number()
                .int()
                .min(8 * 1024)
                .max(4 * 1024 * 1024)
                .default(64 * 1024),
              iterations: z.number().int().min(1).max(20).default(3),
              parallelism: z.number().int().min(1).max(16).default(4),
            })
            .prefault({}),
        })
        .prefault({}),
      /** Connection and mapping for the LDAP adapters (type ldap and active-directory). */
      ldap: z
        .strictObject({
          /** Servers tried in order (failover); ldaps:// unless dangerouslyAllowPlainLdap. */
          urls: z.array(z.string().regex(/^ldaps?:\/\/[^/\s]+\/?$/, 'expected ldaps://host[:port] or ldap://host[:port]')).default([]),
          /** The service account (least privilege; never the rootdn, which skips password policy). */
          bindDn: z.string().max(1024).default(''),
          /** Prefer NYCKEL_DIRECTORY__LDAP__BIND_PASSWORD_FILE to keep it out of files and the environment. */
          bindPassword: z.string().max(1024).default(''),
          baseDn: z.string().max(1024).default(''),
          /** Extra filter ANDed into every account search, for example (objectClass=inetOrgPerson). */
          userFilter: z.string().max(2048).optional(),
          /** Attributes a user may sign in with; default uid, mail (OpenLDAP) or sAMAccountName, userPrincipalName, mail (AD). */
          identifierAttributes: z.array(ldapAttributeName).min(1).max(10).optional(),
          /** Which directory attributes hold what Nyckel shows; defaults per directory type. */
          attributes: z
            .strictObject({
              username: ldapAttributeName.optional(),
              displayName: ldapAttributeName.optional(),
              mail: ldapAttributeName.optional(),
              mobile: ldapAttributeName.optional(),
              department: ldapAttributeName.optional(),
            })
            .prefault({}),
          /** OpenLDAP: a filter marking disabled accounts besides the administrative lock, for example (shadowExpire=1). */
          disabledFilter: z.string().max(2048).optional(),
          tls: z
            .strictObject({
              /** PEM file of the CA that signed the directory's certificate (else the system's CAs). */
              caFile: z.string().min(1).optional(),
              /** Certificates are verified unless this is false (only for a test directory). */
              rejectUnauthorized: z.boolean().default(true),
            })
            .prefault({}),
          /** Per operation and per connection attempt. */
          timeoutMs: z.number().int().min(100).max(120_000).default(5000),
          /** Service connections kept open per server. */
          poolSize: z.number().int().min(1).max(100).default(4),
          /** Allows password writes over unencrypted ldap:// (passwords then cross the network in clear). */
          dangerouslyAllowPlainLdap: z.boolean().default(false),
          /** OpenLDAP: the ppolicy entry to read pwdMaxAge and pwdLockoutDuration from when an account names none. */
          ppolicyDn: z.string().max(1024).optional(),
        })
        .prefault({}),
      /** Active Directory only (directory.type active-directory); connection and mapping are in directory.ldap. */
      activeDirectory: z
        .strictObject({
          /** Send the policy hints control with resets so Windows AD enforces history; Samba refuses it (leave off). */
          policyHints: z.boolean().default(false),
          /** Passwords Nyckel set that a reset may not reuse; absent = the domain's pwdHistoryLength (0 = no own check). */
          ownHistorySize: z.number().int().min(0).max(50).optional(),
        })
        .prefault({}),
      /** Groups whose members self-service must refuse (privileged accounts go through the helpdesk). */
      privilegedGroups: z.array(z.string().min(1)).default([]),
    })
    .prefault({})
    .superRefine((d, ctx) => {
      if (d.type === 'embedded') return;
      const required = (key: string, message: string) => ctx.addIssue({ code: 'custom', message, path: ['ldap', key] });
      for (const key of ['bindDn', 'bindPassword', 'baseDn'] as const) {
        if (d.ldap[key] === '') required(key, `directory.ldap.${key} is required when directory.type is ${d.type}`);
      }
      if (d.ldap.urls.length === 0) required('urls', `directory.ldap.urls needs at least one server when directory.type is ${d.type}`);
    }),

  passwordPolicy: z
    .strictObject({
      /** NIST SP 800-63B: length first. */
      minLength: z.number().int().min(8).max(256).default(12),
      maxLength: z.number().int().min(64).max(1024).default(256),
      /** The organisation's own banned words (its name, products, places), added to the built-in Swedish list. */
      bannedWords: z.array(z.string().trim().min(1).max(100)).max(10_000).default([]),
      /** A UTF-8 file with more banned words, one a line (# starts a comment). Relative paths are under dataDir. */
      bannedWordsFile: z.string().min(1).optional(),
      /** Active Directory complexity: characters of 3 of 4 kinds. Off by default (NIST SP 800-63B advises against composition rules); turn it on when the directory enforces it, so users see the rule before the directory refuses. */
      requireComplexity: z.boolean().default(false),
      /** Refuse passwords containing the user's name, username, e-mail name or the organisation's name (NIST SP 800-63B: context-specific words). */
      rejectContextWords: z.boolean().default(true),
      breached: z
        .strictObject({
          /** Refuse passwords found in the offline breached-password index, when an index has been imported. */
          enabled: z.boolean().default(true),
          /** The index built by `nyckel breached import`. Relative paths are under dataDir. */
          indexFile: z.string().min(1).default('breached.idx'),
          /** Ask the Have I Been Pwned range API as well (k-anonymity: only the first 5 hex digits of the SHA-1 leave). */
          online: z
            .strictObject({
              enabled: z.boolean().default(false),
              /** Ask for padded responses, so the response size does not reveal which prefix was asked. */
              padding: z.boolean().default(true),
              apiUrl: z.url({ protocol: /^https$/ }).default('https://api.pwnedpasswords.com/range/'),
            })
            .prefault({}),
        })
        .prefault({}),
      strength: z
        .strictObject({
          /** Lowest zxcvbn score (0–4) accepted; 0 shows the estimate as guidance only. */
          minScore: z.number().int().min(0).max(4).default(0),
        })
        .prefault({}),
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
      /** SMS codes to one phone number (stops using Nyckel to flood someone's phone). */
      smsPerNumber: rateLimitRule(5, 60),
      smsPerAccount: rateLimitRule(10, 60),
      smsPerIp: rateLimitRule(20, 60),
      /** All SMS from this installation per hour: a ceiling on the bill if SMS pumping gets past the other limits. */
      smsGlobalPerHour: z.number().int().min(1).max(1_000_000).default(500),
      /** Codes sent to one account by SMS or e-mail together. */
      codeSendPerAccount: rateLimitRule(10, 60),
    })
    .prefault({}),

  securityInfo: z
    .strictObject({
      /** always: every sign-in needs a second step; when_registered: only accounts with a method. */
      secondStep: z.enum(['always', 'when_registered']).default('when_registered'),
      /** How many methods an account must register (and verify in a reset). */
      methodsRequired: z.union([z.literal(1), z.literal(2)]).default(1),
      /** After sign-in, a user without methods must register before continuing. */
      registrationRequired: z.boolean().default(true),
      /** How often "ask me later" may postpone the registration (0 = never). */
      askLaterTimes: z.number().int().min(0).max(100).default(3),
      firstRegistration: z
        .strictObject({
          /** Names of networkZones where a first method may be registered; [] = only with a pass from the helpdesk. */
          zones: z.array(z.string().min(1)).default([]),
          /** A temporary access pass from the helpdesk allows the first registration from anywhere. */
          allowWithPass: z.boolean().default(true),
        })
        .prefault({}),
      /** Adding or removing a method needs a second step done this recently. */
      recentSecondStepMinutes: z.number().int().min(1).max(120).default(10),
      /** Digits in an SMS or e-mail code. */
      codeLength: z.number().int().min(6).max(10).default(6),
      codeValidMinutes: z.number().int().min(1).max(60).default(10),
      /** Wrong tries before a code is dead (NIST SP 800-63B: limit failed attempts). */
      codeMaxAttempts: z.number().int().min(1).max(20).default(5),
      /** Wait before another code may be sent to the same method or target. */
      resendCooldownSeconds: z.number().int().min(0).max(3600).default(60),
      /** Authenticator codes accepted this many 30-second steps early or late (clock drift; RFC 6238 section 5.2). */
      totpDriftSteps: z.number().int().min(0).max(10).default(1),
    })
    .prefault({}),

  /** Self-service password reset and unlock (not signed in). */
  reset: z
    .strictObject({
      /** A reset flow ends this long after it started, wherever it is. */
      flowMinutes: z.number().int().min(5).max(60).default(15),
      /** Methods to verify in a reset (privileged accounts: see privilegedAccounts). */
      methodsRequired: z.union([z.literal(1), z.literal(2)]).default(1),
      /** Privileged directory accounts: refused (they go through the helpdesk) or allowed with two methods. */
      privilegedAccounts: z.enum(['refuse', 'two_methods']).default('refuse'),
      /** Wrong codes in one flow before it ends (NIST SP 800-63B: limit failed attempts). */
      maxCodeAttempts: z.number().int().min(1).max(20).default(5),
      captcha: z
        .strictObject({
          /** Proof-of-work difficulty: the secret counter is drawn from 0..maxCounter (a browser tries about half on average). */
          maxCounter: z.number().int().min(1).max(10_000_000).default(50_000),
          /** SHA-256 rounds per attempt. */
          cost: z.number().int().min(1).max(1000).default(1),
          /** A challenge not solved and sent within this long is refused. */
          validMinutes: z.number().int().min(1).max(60).default(10),
        })
        .prefault({}),
      rateLimits: z
        .strictObject({
          /** Reset starts from one address (stops scripted guessing of usernames and SMS floods). */
          perIp: rateLimitRule(20, 15),
          /** Reset starts for one account. */
          perAccount: rateLimitRule(5, 15),
        })
        .prefault({}),
    })
    .prefault({}),

  /** Named sets of trusted networks, for example { office: [10.0.0.0/8], vpn: [192.168.100.0/24] }. */
  networkZones: z
    .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'expected a zone name of letters, digits, - and _'), z.array(cidr))
    .default({}),

  /** The helpdesk and administration pages (/admin). */
  admin: z
    .strictObject({
      /** networkZones the staff pages can be reached from; [] = from nowhere (the area is off). */
      zones: z.array(z.string().min(1)).default([]),
      /** The staff area needs a second step proved this recently in the session (0 = at every visit's sign-in only). */
      recentSecondStepMinutes: z.number().int().min(1).max(480).default(60),
      roles: z
        .strictObject({
          /** Verify callers, unlock, require a change, issue passes, remove lost methods. */
          helpdesk: staffRoleGrant,
          /** Everything the helpdesk does, plus campaigns, reports and the event log. */
          admin: staffRoleGrant,
        })
        .prefault({}),
    })
    .prefault({}),

  secrets: z
    .strictObject({
      /** The key file for encrypting authenticator seeds; created with mode 0600 when missing. Relative paths are under dataDir. */
      keyFile: z.string().min(1).default('secret-keys.json'),
      /** Key material given directly (NYCKEL_SECRETS__KEYS_FILE): {current, keys: {id: base64}, hmac: base64}. Overrides keyFile. */
      keys: z
        .strictObject({
          current: z.string().min(1),
          keys: z.record(z.string(), z.string()),
          hmac: z.string().min(1),
        })
        .optional(),
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
      sms: smsConfigSchema,
      email: emailConfigSchema,
    })
    .prefault({}),

  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),

  /** The audit trail. Events are always hash-chained in the store; syslog forwarding is optional. */
  audit: z
    .strictObject({
      /** Forward each audit event to a syslog collector (RFC 5424), best effort: a dead collector never slows a request. */
      syslog: z
        .strictObject({
          enabled: z.boolean().default(false),
          host: z.string().min(1).max(253).default('127.0.0.1'),
          port: z.number().int().min(1).max(65535).default(514),
          /** udp: one message per datagram (RFC 5426). tcp: octet-counted frames (RFC 6587), reconnecting. Neither is encrypted: keep the collector on a trusted network. */
          protocol: z.enum(['udp', 'tcp']).default('udp'),
          facility: z
            .enum([
              'kern',
              'user',
              'mail',
              'daemon',
              'auth',
              'syslog',
              'lpr',
              'news',
              'uucp',
              'cron',
              'authpriv',
              'ftp',
              'local0',
              'local1',
              'local2',
              'local3',
              'local4',
              'local5',
              'local6',
              'local7',
            ])
            .default('authpriv'),
          /** HOSTNAME in each message. Default: this machine's name. */
          hostname: z
            .string()
            .regex(/^[\x21-\x7e]{1,255}$/, 'expected printable ASCII without spaces')
            .optional(),
          /** The enterprise number in the SD-ID (nyckel@N); 32473 is the number reserved for examples (RFC 5612). */
          enterpriseId: z.number().int().min(1).default(32473),
          /** Messages held while the collector is unreachable; later ones are dropped (and counted in the log). */
          queueSize: z.number().int().min(1).max(100_000).default(1000),
        })
        .prefault({}),
    })
    .prefault({}),

  /** Passkeys (WebAuthn). Defaults are worked out from server.publicUrl and organisation.name. */
  webauthn: z
    .strictObject({
      /** The relying party id passkeys are bound to (a registrable domain, no scheme or port). Default: server.publicUrl's host, else localhost. Changing it orphans every registered passkey. */
      rpId: z
        .string()
        .regex(
          /^(localhost|([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})$/,
          'expected a domain name such as nyckel.kommun.se (no scheme or port)',
        )
        .optional(),
      /** The name authenticators show beside the passkey. Default: organisation.name. */
      rpName: z.string().min(1).max(200).optional(),
      /** Origins a ceremony may come from (https://nyckel.kommun.se). Default: server.publicUrl's origin. */
      origins: z.array(z.url({ protocol: /^https?$/ })).default([]),
    })
    .prefault({}),

  i18n: z
    .strictObject({
      defaultLanguage: z.enum(['sv', 'en']).default('sv'),
    })
    .prefault({}),

  /** Warn users before their password expires (the directory's expiry date), once per threshold. */
  expiryReminders: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Days before the expiry date to send a reminder, e.g. [14, 7, 1]; each is sent once. */
      daysBefore: z
        .array(z.number().int().min(1).max(365))
        .min(1)
        .max(10)
        .refine((days) => new Set(days).size === days.length, 'expected each number of days once')
        .default([14, 7, 1]),
      /** email: the private addresses registered and the work address; sms: the registered mobile phones (else the directory's). */
      channels: z
        .array(z.enum(['email', 'sms']))
        .min(1)
        .refine((channels) => new Set(channels).size === channels.length, 'expected each channel once')
        .default(['email', 'sms']),
      /** How often the job looks for accounts to remind (it walks every account in the directory). */
      intervalMinutes: z.number().int().min(5).max(1440).default(360),
    })
    .prefault({}),
  /** The leak-response campaign job (src/campaigns/); campaigns themselves are made on the admin pages. */
  campaigns: z
    .strictObject({
      /** Accounts marked must-change (then notified) per batch. */
      batchSize: z.number().int().min(1).max(1000).default(100),
      /** Pause between batches, so the directory and the mail and SMS gateways keep up (100 and 200 ms: ≤ 500 accounts a second). */
      batchPauseMs: z.number().int().min(0).max(60_000).default(200),
      /** How often the job looks for work (it also runs at once when a campaign is started). */
      intervalSeconds: z.number().int().min(10).max(3600).default(60),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
