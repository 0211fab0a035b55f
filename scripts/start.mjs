// `npm start`: serves the memory playground on 127.0.0.1 and prints its URL.
import { createServer } from 'vite';

const port = Number(process.env.PORT ?? 5173);
const server = await createServer({
  configFile: 'vite.config.ts',
  server: { host: '127.0.0.1', port, open: false },
});
// The playground lives in public/; send "/" there.
server.middlewares.use((req, res, next) => {
  if (req.url === '/' || req.url === '/index.html') {
    res.statusCode = 302;
    res.setHeader('Location', '/public/index.html');
    res.end();
    return;
  }
  next();
});
await server.listen();
const url = (server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${port}/`) + 'public/index.html';
console.log(
  `\nEngram playground: ${url}\n(first load reads the 28 MB offline model; Ctrl+C to stop)\n`,
);
