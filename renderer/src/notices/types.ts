/** Short messages shown at the corner of the window. */
export type NoticeLevel = 'info' | 'warning' | 'error';
export interface Notice {
  id: number;
  level: NoticeLevel;
  text: string;
}

export interface NoticesSlice {
  notices: Notice[];
  notify: (level: NoticeLevel, text: string) => void;
  dismissNotice: (id: number) => void;
}
