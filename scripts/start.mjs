// `npm start [-- --port=5173]`: serves the memory playground on 127.0.0.1 and prints its URL.
// `--port=0` (or PORT=0) takes a free port.
import { createServer } from 'vite';

const portFlag = process.argv
  .slice(2)
  .find((a) => a.startsWith('--port='))
  ?.slice('--port='.length);
const portText = portFlag ?? process.env.PORT ?? '5173';
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`npm start: bad port '${portText}' (0..65535; 0 = any free port)`);
  process.exit(2);
}
const server = await createServer({
  configFile: 'vite.config.ts',
  server: { host: '127.0.0.1', port, open: false },
  plugins: [
    {
      name: 'engram-playground-root',
      // The playground lives in public/; send "/" there (before Vite's own 404 for "/").
      configureServer(s) {
        s.middlewares.use((req, res, next) => {
          if (req.url !== '/' && req.url !== '/index.html') return next();
          res.statusCode = 302;
          res.setHeader('Location', '/public/index.html');
          res.end();
        });
      },
    },
  ],
});
await server.listen();
const url = (server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${port}/`) + 'public/index.html';
console.log(
  `\nEngram playground: ${url}\n(first load reads the 28 MB offline model; Ctrl+C to stop)\n`,
);
