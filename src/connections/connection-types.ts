/** The standard fields of a connection that a type may give a meaning to. */
export type ConnectionField = 'host' | 'schema' | 'login' | 'password' | 'port';

export interface ConnectionTypeInfo {
  /** Shown in the CLI and UI. */
  label: string;
  defaultPort?: number;
  /** What each standard field means for this type; a field left out is not used by it. */
  fields: Readonly<Partial<Record<ConnectionField, string>>>;
  /** Extra keys the type's hooks read, with what they mean. Other keys are allowed and kept. */
  extras: Readonly<Record<string, string>>;
  /**
   * Extra keys whose values are secrets although their names do not say so (names such as
   * "aws_session_token" are caught by isSensitiveName anyway; listed for clarity).
   */
  sensitiveExtras: readonly string[];
}

/**
 * The connection types Updraft's providers know, with Airflow's field meanings and extra keys.
 * Unknown types are allowed and kept as given: this describes, it does not restrict.
 */
export const CONNECTION_TYPES: Readonly<Record<string, ConnectionTypeInfo>> = Object.freeze({
  postgres: {
    label: 'PostgreSQL',
    defaultPort: 5432,
    fields: {
      host: 'Server host name or IP address (or a Unix socket directory such as /var/run/postgresql)',
      schema: 'Database name',
      login: 'User name',
      password: 'Password',
      port: 'Port (default 5432)',
    },
    extras: {
      sslmode: 'disable, allow, prefer, require, verify-ca or verify-full',
      sslrootcert: 'Path to the CA certificate file that verifies the server',
      sslcert: 'Path to the client certificate file',
      sslkey: 'Path to the client private key file',
      sslpassword: 'Password of the client private key',
      application_name: 'Name shown in pg_stat_activity',
      connect_timeout: 'Seconds to wait for a connection',
      options: 'Server options sent at connection start, e.g. "-c search_path=analytics"',
      client_encoding: 'Client character set (default UTF8)',
    },
    sensitiveExtras: ['sslpassword'],
  },
  mysql: {
    label: 'MySQL / MariaDB',
    defaultPort: 3306,
    fields: {
      host: 'Server host name or IP address',
      schema: 'Database name',
      login: 'User name',
      password: 'Password',
      port: 'Port (default 3306)',
    },
    extras: {
      charset: 'Connection character set, e.g. utf8mb4',
      ssl: 'TLS options as an object: { "ca": path, "cert": path, "key": path }',
      unix_socket: 'Path of the server socket, used instead of host and port',
      connect_timeout: 'Seconds to wait for a connection',
      local_infile: 'true to allow LOAD DATA LOCAL INFILE',
      init_command: 'SQL run when the connection opens',
    },
    sensitiveExtras: [],
  },
  aws: {
    label: 'Amazon Web Services',
    fields: {
      login: 'AWS access key id (leave empty to use the default credential chain: environment, profile, instance role)',
      password: 'AWS secret access key',
    },
    extras: {
      region_name: 'AWS region, e.g. ap-northeast-2',
      endpoint_url: 'Endpoint of an S3-compatible service, e.g. http://127.0.0.1:4568',
      role_arn: 'Role to assume with the credentials',
      aws_session_token: 'Session token of temporary credentials',
      aws_access_key_id: 'Access key id, when not given as the login',
      aws_secret_access_key: 'Secret access key, when not given as the password',
      profile_name: 'Profile of the shared credentials file',
      verify: 'false to skip TLS verification, or the path of a CA bundle',
      config_kwargs: 'Client configuration as an object, e.g. { "s3": { "addressing_style": "path" } }',
    },
    sensitiveExtras: ['aws_session_token', 'aws_secret_access_key'],
  },
  smtp: {
    label: 'SMTP',
    defaultPort: 465,
    fields: {
      host: 'SMTP server host name',
      login: 'User name',
      password: 'Password',
      port: 'Port (465 with SSL, the default; 587 or 25 with disable_ssl)',
    },
    extras: {
      from_email: 'Default From: address',
      disable_ssl: 'true to connect without SSL (then STARTTLS unless disable_tls)',
      disable_tls: 'true to skip STARTTLS',
      timeout: 'Seconds to wait for the server (default 30)',
      retry_limit: 'Connection attempts before failing (default 5)',
      ssl_context: '"default" (verify certificates) or "none" (do not verify)',
    },
    sensitiveExtras: [],
  },
  http: {
    label: 'HTTP',
    fields: {
      host: 'Host name, or a base URL with its scheme (https://api.example.com)',
      schema: 'Scheme when the host has none: http or https',
      login: 'User name for basic authentication',
      password: 'Password for basic authentication',
      port: 'Port',
    },
    extras: {
      headers: 'Headers sent with every request, as an object { "Name": "value" } (values of sensitive names are masked)',
      timeout: 'Seconds to wait for a response',
      verify: 'false to skip TLS verification, or the path of a CA bundle',
    },
    sensitiveExtras: [],
  },
  sqlite: {
    label: 'SQLite',
    fields: {
      host: 'Path of the database file',
    },
    extras: {
      mode: 'ro to open read-only, rw to open an existing file read-write',
    },
    sensitiveExtras: [],
  },
  kubernetes: {
    label: 'Kubernetes cluster',
    fields: {},
    extras: {
      in_cluster: 'true to use the service account of the pod Updraft runs in',
      kube_config_path: 'Path of a kubeconfig file',
      kube_config: 'A kubeconfig as JSON text',
      namespace: 'Default namespace of pods',
      cluster_context: 'Context of the kubeconfig to use',
      disable_verify_ssl: 'true to skip TLS verification of the API server',
      disable_tcp_keepalive: 'true to turn TCP keepalive off',
    },
    sensitiveExtras: ['kube_config'],
  },
  generic: {
    label: 'Generic',
    fields: {
      host: 'Host',
      schema: 'Schema',
      login: 'Login',
      password: 'Password',
      port: 'Port',
    },
    extras: {},
    sensitiveExtras: [],
  },
} satisfies Record<string, ConnectionTypeInfo>);

/** The description of a connection type, or undefined for a type Updraft does not know. */
export function connectionTypeInfo(connType: string | null | undefined): ConnectionTypeInfo | undefined {
  return connType && Object.hasOwn(CONNECTION_TYPES, connType) ? CONNECTION_TYPES[connType] : undefined;
}
