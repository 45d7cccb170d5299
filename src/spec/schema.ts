/**
 * JSON Schema of a ColoPair file. `npm run build` writes it to schemas/colo.schema.json for editors
 * (`# yaml-language-server: $schema=...`); a test keeps the two identical.
 */
export const ID_PATTERN = '^[A-Za-z][A-Za-z0-9_.-]{0,63}$';
const id = { type: 'string', pattern: ID_PATTERN } as const;
const port = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const size = {
  anyOf: [
    { type: 'string', pattern: '^\\s*\\d+\\s*[KMGTkmgt]?(i?[Bb])?\\s*$' },
    { type: 'integer', minimum: 1 },
  ],
} as const;
const ms = { type: 'integer', minimum: 0, maximum: 4294967295 } as const;
const hook = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'run'],
  properties: {
    name: { type: 'string', minLength: 1 },
    run: {
      description: 'argv of the command (array), or one string run by /bin/sh -c',
      anyOf: [{ type: 'array', minItems: 1, items: { type: 'string' } }, { type: 'string', minLength: 1 }],
    },
    timeoutMs: { type: 'integer', minimum: 1, maximum: 600000, default: 10000 },
  },
} as const;
const compareTuning = {
  timeoutMs: { ...ms, description: 'colo-compare compare_timeout (ms)' },
  expiredScanCycleMs: { ...ms, description: 'colo-compare expired_scan_cycle (ms)' },
  maxQueueSize: { type: 'integer', minimum: 1, description: 'colo-compare max_queue_size' },
} as const;

export const coloSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://colo.dev/schemas/colo.schema.json',
  title: 'COLO pair',
  description: 'A QEMU COLO primary/secondary pair, for `colo plan` and `colo apply`.',
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'colo/v1' },
    kind: { const: 'ColoPair' },
    metadata: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: id,
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    spec: {
      type: 'object',
      additionalProperties: false,
      required: ['nodes', 'disks', 'netdevs'],
      properties: {
        qemu: {
          type: 'object',
          additionalProperties: false,
          properties: {
            version: { type: 'string', pattern: '^\\d+\\.\\d+(\\.\\d+)?$', default: '7.2' },
            accel: { enum: ['kvm', 'tcg'], default: 'kvm' },
            memory: { ...size, default: '128M' },
            smp: { type: 'integer', minimum: 1, maximum: 256, default: 1 },
            cpu: { type: 'string', minLength: 1, default: 'qemu64' },
            binary: { type: 'string', minLength: 1, default: 'qemu-system-x86_64' },
            machine: { type: 'string', minLength: 1 },
            kernel: { type: 'string', minLength: 1 },
            initrd: { type: 'string', minLength: 1 },
            append: { type: 'string' },
            extraArgs: { type: 'array', items: { type: 'string' } },
          },
        },
        nodes: {
          type: 'array',
          minItems: 2,
          maxItems: 2,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'role', 'host', 'qmp', 'workdir'],
            properties: {
              name: id,
              role: { enum: ['primary', 'secondary'], description: 'preferred role for the first setup' },
              host: { type: 'string', minLength: 1, description: 'address the peer reaches this node on' },
              qmp: { type: 'string', pattern: '^(unix:.+|tcp:.+:\\d+)$', description: 'unix:/path or tcp:host:port' },
              workdir: { type: 'string', minLength: 1, description: 'directory of this node\'s images, pid file and log' },
              netns: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'network namespace `colo launch` starts QEMU in' },
            },
          },
        },
        disks: {
          type: 'array',
          minItems: 1,
          maxItems: 4,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['id', 'size'],
            properties: {
              id,
              size,
              format: { enum: ['qcow2', 'raw'], default: 'qcow2' },
              interface: { enum: ['ide', 'virtio'], default: 'ide' },
            },
          },
        },
        netdevs: {
          type: 'array',
          minItems: 1,
          maxItems: 8,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['id', 'type'],
            properties: {
              id,
              type: { enum: ['user', 'tap', 'bridge'] },
              model: { type: 'string', minLength: 1, default: 'rtl8139' },
              mac: { type: 'string', pattern: '^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$' },
              romfile: { type: 'string', description: '"" turns the NIC option ROM off' },
              ifname: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,15}$' },
              script: { type: 'string' },
              downscript: { type: 'string' },
              bridge: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,15}$' },
              helper: { type: 'string' },
              vhost: { type: 'boolean', description: 'must be false: COLO filters do not see vhost traffic' },
              vnetHdr: { type: 'boolean' },
              ports: {
                type: 'object',
                additionalProperties: false,
                properties: { primaryIn: port, mirror: port, secondaryIn: port, compareOut: port },
              },
              filters: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  ids: {
                    type: 'object',
                    additionalProperties: false,
                    properties: Object.fromEntries(
                      [
                        'mirror', 'redirectorIn', 'redirectorOut', 'compare', 'iothread', 'mirrorChardev',
                        'secondaryInChardev', 'primaryInChardev', 'primaryInClient', 'compareOutChardev',
                        'compareOutClient', 'secondaryMirrorChardev', 'secondaryOutChardev',
                        'secondaryRedirectorIn', 'secondaryRedirectorOut', 'rewriter',
                      ].map((k) => [k, id]),
                    ),
                  },
                  vnetHdrSupport: { type: 'boolean' },
                  compare: { type: 'object', additionalProperties: false, properties: compareTuning },
                  extra: {
                    type: 'array',
                    items: {
                      type: 'object',
                      additionalProperties: false,
                      required: ['id', 'type'],
                      properties: {
                        id,
                        type: { enum: ['filter-dump', 'filter-buffer', 'filter-replay'] },
                        on: { enum: ['primary', 'secondary', 'both'], default: 'primary' },
                        props: {
                          type: 'object',
                          additionalProperties: { type: ['string', 'number', 'boolean'] },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        ports: {
          type: 'object',
          additionalProperties: false,
          properties: {
            migration: { ...port, default: 9998 },
            nbd: { ...port, default: 9999 },
            base: { ...port, default: 9001, description: 'first per-NIC chardev port; NIC n uses base+5n+{0,2,3,4}' },
          },
        },
        colo: {
          type: 'object',
          additionalProperties: false,
          properties: {
            checkpointDelayMs: { ...ms, default: 20000, description: 'migration parameter x-checkpoint-delay' },
            compare: {
              type: 'object',
              additionalProperties: false,
              properties: { ...compareTuning, vnetHdr: { type: 'boolean', default: false } },
            },
          },
        },
        hooks: {
          type: 'object',
          additionalProperties: false,
          properties: {
            afterFailover: { type: 'array', items: hook, description: 'run after the QMP failover, e.g. attach the survivor\'s tap' },
            beforeResume: { type: 'array', items: hook, description: 'run before a resume starts' },
          },
        },
      },
    },
  },
} as const;
