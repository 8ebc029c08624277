// Runs s3rver (an S3-compatible server from npm) for the tests, in its own process because it must
// run under `node --openssl-legacy-provider`: it builds list continuation tokens with the legacy DES
// cipher, which OpenSSL 3 refuses otherwise. Prints `port=<n>` once listening; stops on SIGTERM.
import S3rver from 's3rver';

const directory = process.argv[2];
if (!directory) {
  process.stderr.write('usage: s3rver-main.mjs <directory>\n');
  process.exit(2);
}
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
const [, port] = await server.run().then((address) => [address.address, address.port]);
process.stdout.write(`port=${port}\n`);
const stop = () => server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
