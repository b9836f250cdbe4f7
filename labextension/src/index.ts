/**
 * sagssim-autorun: a Sagssim notebook runs itself.
 *
 * A notebook whose metadata holds a `sagssim` object (the course notebooks write
 * `"sagssim": {"autorun": true}`; the exam notebooks built by `sagssim build-course`
 * write `"sagssim": {"case": ...}`) is, in JupyterLab:
 *
 * - run, every code cell in order, as soon as it is opened and its kernel is ready;
 * - run again after every kernel restart (the old outputs, whose widgets died with
 *   the old kernel, are cleared the moment the restart begins, so no stale button
 *   stays on screen);
 * - shown without code: code inputs, prompts and empty code cells are hidden by the
 *   `sagssim-autorun` class (style/base.css), and a double click does not turn the
 *   course text into Markdown source.
 *
 * - marked as Danish (`lang="da"` on the notebook), whatever language JupyterLab's
 *   own menus are in;
 * - kind to the keyboard: after a click on an answer (`.sagssim-option`) or on the
 *   letter's "send" confirmation (`.sagssim-confirm`), the player redraws and the
 *   clicked button is gone, so the browser would drop the focus to the top of the
 *   page. Instead the focus moves to the heading of the new step (`.sagssim-step`, or
 *   the debrief's, `.sagssim-debrief`), which the player gives `tabindex="-1"`.
 *   Keys pressed inside an output (the player, a self-check) are the page's, not
 *   the notebook's: in command mode JupyterLab binds plain keys to whatever has the
 *   focus in a notebook, so "b" on a focused heading or button would insert a cell,
 *   "d d" delete the one holding the case, an arrow key move the focus to another
 *   cell (WCAG 2.1.4). Keys without Ctrl, Alt or Cmd stop at the output; the
 *   browser's own handling (Tab, Enter on a button, typing a letter) is untouched.
 *
 * The run does not mark the notebook as changed: outputs are rebuilt on every open
 * and the server's save hook (simulator/course_files.py) never writes them anyway.
 * `"autorun": false` switches all of this off for one notebook.
 */

import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { CodeCell, ICodeCellModel } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

export const AUTORUN_CLASS = 'sagssim-autorun';
const RESTART_STATES = new Set(['restarting', 'autorestarting']);

/** Does a notebook's `sagssim` metadata ask to be run on open? */
export function wantsAutorun(meta: unknown): boolean {
  return (
    typeof meta === 'object' &&
    meta !== null &&
    !Array.isArray(meta) &&
    (meta as { autorun?: unknown }).autorun !== false
  );
}

function codeCells(panel: NotebookPanel): CodeCell[] {
  return panel.content.widgets.filter(
    (c): c is CodeCell => c.model.type === 'code'
  );
}

function clearOutputs(panel: NotebookPanel): void {
  for (const cell of codeCells(panel)) {
    const model = cell.model as ICodeCellModel;
    model.sharedModel.transact(() => model.clearExecution(), false);
  }
}

/** Has anything started running in this kernel since `since` (e.g. Restart and Run All)? */
function somethingRan(panel: NotebookPanel): boolean {
  return codeCells(panel).some(c => {
    const model = c.model as ICodeCellModel;
    return model.executionState === 'running' || model.outputs.length > 0;
  });
}

/** Plain keys pressed in an output never reach JupyterLab's notebook shortcuts (they bubble to the document). */
function keepKeysInOutput(event: KeyboardEvent): void {
  if (!event.ctrlKey && !event.altKey && !event.metaKey) {
    event.stopPropagation();
  }
}

const FOCUS_AFTER = '.sagssim .sagssim-option, .sagssim .sagssim-confirm';
const NEW_STEP_HEADING =
  '.sagssim-step [tabindex="-1"], .sagssim-debrief [tabindex="-1"]';
const FOCUS_WAIT_MS = 60000; // a redraw waits for the kernel; on two busy cores that can take a while

/**
 * After a click that moves the case on, focus the heading of the step the redraw brings.
 * Headings present before the click are old; the first new one is the new step's.
 */
export function followFocus(root: HTMLElement): void {
  root.addEventListener(
    'click',
    event => {
      const target = event.target as HTMLElement | null;
      const button = target?.closest(FOCUS_AFTER);
      const area = button?.closest('.jp-OutputArea') ?? button?.closest('.sagssim');
      if (!button || !area) {
        return;
      }
      const before = new Set(Array.from(area.querySelectorAll(NEW_STEP_HEADING)));
      let done = false;
      const finish = () => {
        done = true;
        observer.disconnect();
        window.clearTimeout(timer);
      };
      const tryFocus = () => {
        if (done) {
          return;
        }
        const heading = Array.from(
          area.querySelectorAll<HTMLElement>(NEW_STEP_HEADING)
        ).find(h => !before.has(h) && h.isConnected);
        if (!heading) {
          return;
        }
        finish();
        // Leave the focus alone if the trainee has already put it somewhere else on purpose.
        const active = document.activeElement;
        if (
          !active ||
          active === document.body ||
          !active.isConnected ||
          area.contains(active) ||
          active.classList.contains('jp-Notebook') ||
          active.classList.contains('jp-Cell')
        ) {
          heading.focus();
        }
      };
      const observer = new MutationObserver(tryFocus);
      observer.observe(area, { childList: true, subtree: true });
      const timer = window.setTimeout(finish, FOCUS_WAIT_MS);
    },
    true
  );
}

class Autorun {
  private running: Promise<void> | null = null;
  private pendingAfterRestart = false;
  private hasRun = false;

  constructor(private panel: NotebookPanel) {}

  async start(): Promise<void> {
    const { panel } = this;
    await panel.context.ready;
    if (panel.isDisposed || !wantsAutorun(panel.content.model?.getMetadata('sagssim'))) {
      return;
    }
    panel.addClass(AUTORUN_CLASS);
    panel.content.node.setAttribute('lang', 'da'); // the course is Danish, whatever the menus are in
    followFocus(panel.content.node);
    for (const cell of codeCells(panel)) {
      cell.outputArea.node.addEventListener('keydown', keepKeysInOutput);
    }
    panel.content.node.addEventListener('dblclick', this.keepMarkdownRendered, true);

    const session = panel.sessionContext;
    session.statusChanged.connect((_, status) => {
      if (RESTART_STATES.has(status)) {
        clearOutputs(panel);
        this.pendingAfterRestart = true;
      } else if (status === 'idle' && this.pendingAfterRestart) {
        this.pendingAfterRestart = false;
        // "Restart Kernel and Run All Cells" runs the cells itself: give it a moment, then run only if it did not.
        window.setTimeout(() => {
          if (!panel.isDisposed && !somethingRan(panel)) {
            void this.runAll();
          }
        }, 300);
      }
    });
    session.kernelChanged.connect((_, change) => {
      // another kernel (chosen by hand, or after a shut-down one is started again): run it there too
      if (change.newValue && this.hasRun) {
        clearOutputs(panel);
        this.pendingAfterRestart = true;
      }
    });
    await session.ready;
    await this.runAll();
  }

  private keepMarkdownRendered = (event: MouseEvent): void => {
    const target = event.target as HTMLElement | null;
    if (target?.closest('.jp-MarkdownCell')) {
      event.stopPropagation(); // the notebook's own handler would show the Markdown source
    }
  };

  runAll(): Promise<void> {
    if (!this.running) {
      this.running = this.execute().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private async execute(): Promise<void> {
    const { panel } = this;
    const session = panel.sessionContext;
    if (!session.session?.kernel) {
      return;
    }
    this.hasRun = true;
    const model = panel.content.model;
    const wasDirty = panel.context.model.dirty;
    for (const cell of codeCells(panel)) {
      if (panel.isDisposed) {
        return;
      }
      try {
        await CodeCell.execute(cell, session);
      } catch (err) {
        console.error('sagssim-autorun: a cell failed to run', err);
        return;
      }
    }
    // Outputs are not part of what a trainee edits; do not ask "save changes?" for them.
    if (model && !wasDirty && !panel.isDisposed) {
      panel.context.model.dirty = false;
    }
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'sagssim-autorun:plugin',
  description: 'Runs Sagssim notebooks on open and after a kernel restart, with their code hidden.',
  autoStart: true,
  // Optional, so the plugin stays inert (instead of failing) where there is no notebook tracker, e.g. Voilà.
  optional: [INotebookTracker],
  activate: (_app: JupyterFrontEnd, tracker: INotebookTracker | null) => {
    if (!tracker) {
      return;
    }
    tracker.widgetAdded.connect((_, panel) => {
      void new Autorun(panel).start();
    });
  }
};

export default plugin;
