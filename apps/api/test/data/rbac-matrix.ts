/**
 * The least role of every protected operation (SPEC.md §3, Identity).
 * Operations not listed here must be public. The RBAC test fails when a
 * protected procedure is missing from this table or declares another role.
 */
export const leastRole: Record<string, 'user' | 'operator' | 'admin'> = {
  // any signed-in user
  getCurrentUser: 'user',
  updateProfile: 'user',
  changePassword: 'user',
  listMyChannels: 'user',
  createChannel: 'user',
  updateChannel: 'user',
  deleteChannel: 'user',
  verifyChannel: 'user',
  resendVerificationCode: 'user',
  getSubscriptionsMatrix: 'user',
  setChannelSubscriptions: 'user',
  // operator
  getServiceStatusLog: 'operator',
  createEvent: 'operator',
  addEventUpdate: 'operator',
  updateEvent: 'operator',
  listTemplates: 'operator',
  getTemplate: 'operator',
  previewTemplate: 'operator',
  // admin
  listUsers: 'admin',
  listSubscribers: 'admin',
  countSubscribers: 'admin',
  exportSubscribers: 'admin',
  importSubscribers: 'admin',
  deleteSubscriber: 'admin',
  updatePageSettings: 'admin',
  adminCreateUser: 'admin',
  getUser: 'admin',
  adminUpdateUser: 'admin',
  adminResetPassword: 'admin',
  createService: 'admin',
  updateService: 'admin',
  deleteService: 'admin',
  restoreService: 'admin',
  updateServiceTags: 'admin',
  createGroup: 'admin',
  updateGroup: 'admin',
  deleteGroup: 'admin',
  restoreGroup: 'admin',
  deleteEvent: 'admin',
  listNotificationDeliveries: 'admin',
  retryNotificationDelivery: 'admin',
  createTemplate: 'admin',
  deleteTemplate: 'admin',
};
