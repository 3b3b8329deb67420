export { connectApi, apiSocketUrl, type ConnectEnvironment } from './connect';
export { createWsClient, type WsApiClient, type WsClientOptions, type WebSocketLike } from './ws-client';
export { createIpcClient } from './ipc-client';
