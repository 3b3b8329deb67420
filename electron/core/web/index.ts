export { startWebServer, isLoopbackHost, API_PATH, type WebServer, type WebServerOptions } from './web-server';
export { contentSecurityPolicy, resolveStaticPath, mimeType } from './static-files';
