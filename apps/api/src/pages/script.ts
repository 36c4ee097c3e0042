/**
 * The only script of the public pages, and it is optional: every `<time>`
 * gets a tooltip with the moment in the visitor's own time zone. The page
 * reads the same without it (the text is the page's time zone).
 */
export const script =
  "document.querySelectorAll('time[datetime*=\"T\"]').forEach(function(t){var d=new Date(t.getAttribute('datetime'));if(!isNaN(d))t.title=d.toLocaleString(document.documentElement.lang,{dateStyle:'medium',timeStyle:'long'})})";
