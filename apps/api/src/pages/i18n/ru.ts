import type { Messages } from './en';

const plural = new Intl.PluralRules('ru');

/** Russian nouns take one of three forms after a number: 1 инцидент, 2 инцидента, 5 инцидентов. */
function countOf(count: number, forms: { one: string; few: string; many: string }) {
  const category = plural.select(count);
  return `${count} ${category === 'one' ? forms.one : category === 'few' ? forms.few : forms.many}`;
}

/** Every visible string of the public pages in Russian. */
export const ru: Messages = {
  locale: 'ru',
  languageName: 'Русский',
  skipToContent: 'Перейти к содержимому',
  pageNavigation: 'Страницы',
  languageNavigation: 'Язык',
  navStatus: 'Состояние',
  navHistory: 'История',
  navSubscribe: 'Подписаться на обновления',
  feeds: 'Ленты',
  overall: {
    operational: 'Все системы работают',
    degraded: 'Снижена производительность',
    partial_outage: 'Частичный сбой',
    major_outage: 'Серьёзный сбой',
    maintenance: 'Идут технические работы',
  },
  serviceStatus: {
    operational: 'Работает',
    degraded: 'Снижена производительность',
    partial_outage: 'Частичный сбой',
    major_outage: 'Серьёзный сбой',
    maintenance: 'Технические работы',
  },
  noData: 'Нет данных',
  eventStatus: {
    investigating: 'Выясняем причину',
    identified: 'Причина найдена',
    monitoring: 'Наблюдаем',
    resolved: 'Решено',
    scheduled: 'Запланировано',
    in_progress: 'Идут работы',
    completed: 'Завершено',
  },
  eventType: { incident: 'Инцидент', maintenance: 'Технические работы' },
  severity: { minor: 'Низкая', major: 'Высокая', critical: 'Критическая' },
  severityLabel: 'Важность',
  statusLabel: 'Статус',
  typeLabel: 'Тип',
  activeIncidents: 'Текущие инциденты',
  maintenanceInProgress: 'Идущие технические работы',
  upcomingMaintenance: 'Запланированные технические работы',
  services: 'Сервисы',
  otherServices: 'Другие сервисы',
  noServices: 'Сервисов пока нет.',
  latestUpdate: 'Последнее обновление',
  noUpdates: 'Обновлений пока нет.',
  window: 'Запланированное время',
  windowRange: (start, end) => (end ? `${start} – ${end}` : `с ${start}`),
  started: 'Начало',
  resolved: 'Решено',
  completed: 'Завершено',
  duration: 'Длительность',
  affectedServices: 'Затронутые сервисы',
  affectedGroups: 'Затронутые группы',
  timeline: 'Ход событий',
  viewEvent: 'Подробнее',
  uptimeBarLabel: (service) => `${service}: состояние за последние 90 дней`,
  uptimeLast90: (percent) => `доступность за 90 дней: ${percent}`,
  uptimeNoData: 'Данных о доступности пока нет',
  daysAgo90: '90 дней назад',
  today: 'Сегодня',
  dayLabel: (day) =>
    [
      `${day.date}${day.days > 1 ? ` (${countOf(day.days, { one: 'день', few: 'дня', many: 'дней' })})` : ''}: ${day.status}`,
      ...(day.percent ? [`доступность ${day.percent}`] : []),
      ...(day.events.length > 0
        ? [
            `${countOf(day.events.length, { one: 'событие', few: 'события', many: 'событий' })}: ${day.events.join('; ')}`,
          ]
        : []),
    ].join(', '),
  uptimeFootnote:
    'Доступность — доля суток, когда сервис работал: серьёзный сбой считается простоем, частичный сбой — простоем на 30 %, снижение производительности и нормальная работа — временем работы. Время технических работ не учитывается. Для дней до появления сервиса данных нет.',
  timesIn: (zone) => `Время указано в часовом поясе ${zone}.`,
  monthlyUptime: 'Доступность по месяцам',
  month: 'Месяц',
  uptime: 'Доступность',
  recentEvents: 'Недавние инциденты и технические работы',
  noRecentEvents: 'Для этого сервиса инцидентов и технических работ не было.',
  historyTitle: 'История',
  historyHeading: 'Прошедшие инциденты и технические работы',
  noHistory: 'Прошедших инцидентов и технических работ нет.',
  newer: 'Новее',
  older: 'Старше',
  pageOf: (page, pages) => `Страница ${page} из ${pages}`,
  notFoundTitle: 'Страница не найдена',
  notFoundText: 'По этому адресу ничего нет. Возможно, страницу удалили или в ссылке опечатка.',
  badRequestTitle: 'Неверный запрос',
  badRequestText: 'Этот адрес запрашивает то, что страница не может показать.',
  backToStatus: 'К текущему состоянию',
  supportLink: 'Связаться с поддержкой',
  siteLink: 'Сайт',
  poweredBy: 'Работает на StatusPage',
  lessThanAMinute: 'меньше минуты',
};
