// The backend's authenticated /api/v1/chat/completions routes to the same inference service.
import type { ChatService } from '../backend/app.ts';
import type { InferenceService } from './service.ts';

export function inferenceChatService(service: InferenceService): ChatService {
  return {
    complete: (org, request) => service.complete(request, { org }),
  };
}
